"""Building the index: embedding chunks (on this CPU's fastest path) and writing versions through the store."""
