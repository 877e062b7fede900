# Two commands on a fresh machine (Python 3.11, Java 17, Maven, Rust's cargo): `make demo`,
# `make test`.
# Both create the virtual environment on first use; the Kafka jars are fetched by the
# engine itself the first time a broker starts.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NATIVE := $(VENV)/.native-built

.PHONY: demo test test-fast bench bench-smoke clean postgres-server

$(BIN)/grid-dispatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The native replay (native/, Rust): built with cargo by maturin, from crates.io.
$(NATIVE): $(BIN)/grid-dispatch native/Cargo.toml native/Cargo.lock native/pyproject.toml \
          $(wildcard native/src/*.rs)
	@PATH="$$PATH:$$HOME/.cargo/bin" command -v cargo >/dev/null || \
	  { echo "cargo is missing: the native replay (native/) needs a Rust toolchain" >&2; exit 1; }
	PATH="$$PATH:$$HOME/.cargo/bin" $(BIN)/pip install -q ./native
	touch $@

demo: $(BIN)/grid-dispatch $(NATIVE)
	$(BIN)/grid-dispatch demo

test: $(BIN)/grid-dispatch $(NATIVE) postgres-server
	cd native && PATH="$$PATH:$$HOME/.cargo/bin" cargo test -q --release
	$(BIN)/python -m pytest -q

# The PostgreSQL store's tests start a server of their own from Debian's programs; as
# root, a machine without them gets Debian's `postgresql` package.
postgres-server:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
	  { echo "PostgreSQL's server programs are missing: install Debian's postgresql package" >&2; exit 1; }

test-fast: $(BIN)/grid-dispatch $(NATIVE)
	$(BIN)/python -m pytest -q -m "not kafka"

bench: $(BIN)/grid-dispatch $(NATIVE)
	$(BIN)/python -m benchmarks

bench-smoke: $(BIN)/grid-dispatch $(NATIVE)
	$(BIN)/python -m benchmarks --smoke
	$(BIN)/python -m benchmarks --smoke --only end-to-end --store postgres

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
