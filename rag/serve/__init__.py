"""The ways in: the command line, the browser chat and its HTML, the /ask endpoint."""
