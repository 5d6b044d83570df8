# custinsight: one entry point for building, running and testing.
# `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
C_FLAGS := -std=c11 -Wall -Wextra -Wpedantic -Werror -Ibindings-c/include
C_LIBS := -lpthread -ldl -lm
# Cargo's output folder, honouring CARGO_TARGET_DIR as cargo does.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
C_BUILD := $(TARGET_DIR)/c

.PHONY: help demo test rust-test builtin-model c-lib c-test c-examples java-example py-test py-bench lint bench venv clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: ## The main job: the call pop-up for the bundled sample customers, then complaint intake
	cargo build --release --quiet --example popup --example intake
	$(TARGET_DIR)/release/examples/popup
	$(TARGET_DIR)/release/examples/intake

test: rust-test c-test py-test ## Every test: Rust, C and Python

rust-test: ## Rust unit, integration, property and doc tests
	cargo test --workspace

builtin-model: ## Retrain the built-in classifier from its embedded corpus into core/data/classify/builtin.model
	cargo run --release --quiet --example classify_builtin_model

C_LIB := $(C_BUILD)/lib
C_VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect

c-lib: ## Build libcustinsight.{a,so} and custinsight.pc into target/c/lib (release)
	cargo build --release -p custinsight-ffi
	mkdir -p $(C_LIB)/pkgconfig
	cp $(TARGET_DIR)/release/libcustinsight_ffi.a $(C_LIB)/libcustinsight.a
	cp $(TARGET_DIR)/release/libcustinsight_ffi.so $(C_LIB)/libcustinsight.so
	printf '%s\n' \
		'prefix=$(abspath $(C_BUILD))' 'libdir=$${prefix}/lib' 'includedir=$(abspath bindings-c/include)' '' \
		'Name: custinsight' \
		'Description: Customer insight for telecom operators (C ABI)' \
		"Version: $$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" \
		'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -Wl,-rpath,$${libdir} -lcustinsight' \
		'Libs.private: $(C_LIBS)' > $(C_LIB)/pkgconfig/custinsight.pc

c-test: c-lib ## Compile the C and C++ tests against the library and run them (under valgrind when present)
	mkdir -p $(C_BUILD)/scratch
	gcc $(C_FLAGS) tests/c/test_profile.c $(C_LIB)/libcustinsight.a $(C_LIBS) -o $(C_BUILD)/test_profile
	PKG_CONFIG_PATH=$(C_LIB)/pkgconfig gcc -std=c11 -Wall -Wextra -Wpedantic -Werror tests/c/test_engine.c \
		$$(PKG_CONFIG_PATH=$(C_LIB)/pkgconfig pkg-config --cflags --libs custinsight) -lpthread -o $(C_BUILD)/test_engine
	g++ -std=c++17 -Wall -Wextra -Werror -Ibindings-c/include tests/c/header_twice.cpp \
		$(C_LIB)/libcustinsight.a $(C_LIBS) -o $(C_BUILD)/header_twice
	$(C_BUILD)/header_twice
	if command -v valgrind >/dev/null; then \
		$(C_VALGRIND) $(C_BUILD)/test_profile examples/data/sample_events.jsonl; \
		$(C_VALGRIND) $(C_BUILD)/test_engine $(C_BUILD)/scratch; \
	else \
		echo "valgrind not installed: running the C tests under AddressSanitizer"; \
		gcc $(C_FLAGS) -fsanitize=address,undefined -g tests/c/test_engine.c $(C_LIB)/libcustinsight.a \
			$(C_LIBS) -o $(C_BUILD)/test_engine_asan; \
		gcc $(C_FLAGS) -fsanitize=address,undefined -g tests/c/test_profile.c $(C_LIB)/libcustinsight.a \
			$(C_LIBS) -o $(C_BUILD)/test_profile_asan; \
		$(C_BUILD)/test_profile_asan examples/data/sample_events.jsonl; \
		$(C_BUILD)/test_engine_asan $(C_BUILD)/scratch; \
	fi

c-examples: c-lib ## Build and run the C ring-time and C++ RAII examples (linked through pkg-config)
	gcc -std=c11 -Wall -Wextra -Wpedantic -Werror examples/c/ringtime.c \
		$$(PKG_CONFIG_PATH=$(C_LIB)/pkgconfig pkg-config --cflags --libs custinsight) -o $(C_BUILD)/ringtime
	g++ -std=c++17 -Wall -Wextra -Werror examples/cpp/ringtime.cpp \
		$$(PKG_CONFIG_PATH=$(C_LIB)/pkgconfig pkg-config --cflags --libs custinsight) -o $(C_BUILD)/ringtime_cpp
	$(C_BUILD)/ringtime examples/c/profile.json "宽带又断网了，三天都上不了网，再不修好我就打12300投诉"
	$(C_BUILD)/ringtime_cpp examples/c/profile.json "I was charged for roaming in France"

java-example: c-lib ## Compile and run the Java (JNA) example
	examples/java/run.sh

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
