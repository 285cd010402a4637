# Set-up and everyday commands. `make run` starts the chat on the seeds; `make test` runs the tests.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PIP     := $(BIN)/pip install --constraint constraints.txt
# llama.cpp's default native build uses AMX here and crashes in generation; build without it.
LLAMA_FLAGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
ifneq ($(shell grep -m1 -o -w avx512f /proc/cpuinfo 2>/dev/null),)
LLAMA_FLAGS += -DGGML_AVX512=ON
ifneq ($(shell grep -m1 -o -w avx512_vnni /proc/cpuinfo 2>/dev/null),)
LLAMA_FLAGS += -DGGML_AVX512_VNNI=ON
endif
ifneq ($(shell grep -m1 -o -w avx512_bf16 /proc/cpuinfo 2>/dev/null),)
LLAMA_FLAGS += -DGGML_AVX512_BF16=ON
endif
endif

.PHONY: install run index test test-fast lint browser clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(PIP) --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_FLAGS)" $(PIP) --quiet llama-cpp-python==0.3.36
	$(PIP) --quiet -e '.[dev]'
	touch $(STAMP)

index: install
	$(BIN)/rag index

run: index
	$(BIN)/rag ui

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Chromium for the browser tests: sudo apt-get install chromium"; fi; }

test: install browser
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not model and not browser"

lint: install
	$(BIN)/ruff check rag tests
	$(BIN)/ruff format --check rag tests
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider tests/test_imports.py   # no import circles, modules of at most 350 lines

clean:
	rm -rf $(VENV) index
