# Entry points: `make run` checks every sample and runs one end to end through `wf serve` and
# `wf agent` (tools/demo.sh), `make test` runs every test, `make bench` runs the benchmarks, `make
# chaos` runs the chaos harness at full size (bench/README.md; CHAOS_ARGS adds flags). Each
# first installs what is missing and builds.
WF := build/cli/wf

.PHONY: all setup run test bench chaos clean

all: setup

setup:
	@bash tools/setup.sh

run: setup
	@bash tools/demo.sh

test: setup
	ctest --test-dir build --output-on-failure -j2

bench: setup
	bash bench/check/run.sh
	@if [ -x bench/vm/run.sh ]; then bash bench/vm/run.sh; fi
	@if [ -x bench/service/run.sh ]; then bash bench/service/run.sh; fi

chaos: setup
	python3 bench/chaos/chaos.py $(CHAOS_ARGS)

clean:
	rm -rf build
