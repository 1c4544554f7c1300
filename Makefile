# Entry points: `make run` checks the samples, `make test` runs the tests, `make bench` times `wf check`.
WF := build/cli/wf

.PHONY: all setup run test bench clean

all: setup

setup:
	@bash tools/setup.sh

run: setup
	@status=0; for f in samples/*.wf; do \
	  [ -e "$$f" ] || continue; \
	  echo "== $$f"; \
	  if $(WF) check "$$f"; then echo "ok: $$f"; else echo "FAILED: $$f"; status=1; fi; \
	done; exit $$status

test: setup
	ctest --test-dir build --output-on-failure -j2

bench: setup
	bash bench/check/run.sh

clean:
	rm -rf build
