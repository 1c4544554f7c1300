# Entry points: `make run` checks every sample and runs one end to end, `make test` runs every
# test, `make bench` runs the benchmarks. Each first installs what is missing and builds.
WF := build/cli/wf

.PHONY: all setup run test bench clean

all: setup

setup:
	@bash tools/setup.sh

run: setup
	@status=0; for f in samples/*.wf; do \
	  [ -e "$$f" ] || continue; \
	  if $(WF) check "$$f"; then :; else status=1; fi; \
	done; \
	[ $$status -eq 0 ] || { echo "some samples do not check"; exit 1; }; \
	echo; echo "== wf run samples/health_report.wf --hosts web1,web2 --approve yes --fast"; \
	$(WF) run samples/health_report.wf --hosts web1,web2 --approve yes --fast

test: setup
	ctest --test-dir build --output-on-failure -j2

bench: setup
	bash bench/check/run.sh
	@if [ -x bench/vm/run.sh ]; then bash bench/vm/run.sh; fi

clean:
	rm -rf build
