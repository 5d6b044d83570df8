# custinsight: one entry point for building, running and testing.
# `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
C_FLAGS := -std=c11 -Wall -Wextra -Wpedantic -Werror -Ibindings-c/include
C_LIBS := -lpthread -ldl -lm
C_BUILD := target/c

.PHONY: help demo test rust-test c-test py-test py-bench lint bench venv clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: ## The main job: build profiles from the bundled sample events and print them
	cargo run --release --example profiles

test: rust-test c-test py-test ## Every test: Rust, C and Python

rust-test: ## Rust unit, integration, property and doc tests
	cargo test --workspace

c-test: ## Compile the C and C++ tests against the library and run them (under valgrind when present)
	cargo build -p custinsight-ffi
	mkdir -p $(C_BUILD)
	gcc $(C_FLAGS) tests/c/test_profile.c target/debug/libcustinsight_ffi.a $(C_LIBS) -o $(C_BUILD)/test_profile
	g++ -std=c++17 -Wall -Wextra -Werror -Ibindings-c/include tests/c/header_twice.cpp \
		target/debug/libcustinsight_ffi.a $(C_LIBS) -o $(C_BUILD)/header_twice
	$(C_BUILD)/header_twice
	if command -v valgrind >/dev/null; then \
		valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
			$(C_BUILD)/test_profile examples/data/sample_events.jsonl; \
	else \
		echo "valgrind not installed: running the C tests without it"; \
		$(C_BUILD)/test_profile examples/data/sample_events.jsonl; \
	fi

$(VENV)/.installed: bindings-python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bindings-python/requirements-dev.txt
	touch $@

venv: $(VENV)/.installed ## Create the project-local Python environment (.venv)

py-test: $(VENV)/.installed ## Build the Python package into .venv and run pytest
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH \
		maturin develop --quiet -m bindings-python/Cargo.toml
	cd bindings-python && ../$(VENV)/bin/pytest -q

py-bench: $(VENV)/.installed ## Python batch classification vs native Rust, and per-call overhead (release build)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH \
		maturin develop --release --quiet -m bindings-python/Cargo.toml
	$(VENV)/bin/python benches/python/classify_throughput.py

lint: ## Formatting, clippy and rustdoc, as CI checks them
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --quiet

bench: ## Criterion benchmarks (release build)
	cargo bench --workspace

clean: ## Remove build outputs and the virtual environment
	cargo clean
	rm -rf $(VENV)
