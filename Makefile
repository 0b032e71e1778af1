# bypasslab — from kernel sockets to a user-space e1000 driver, one lab at a time.
#
#   make                 build everything (labs with your files and the solutions)
#   sudo make bench      measure every stage against the kernel path, draw the charts
#   sudo make test       the kit's own proof: build, skeleton checks, all test suites
#   make grade [LAB=NN] [SOLUTIONS=1] [SUBMISSION=dir] [EXTRA_TESTS=dir] [VM=1]
#              [FORMAT=gradescope|junit] [ONLY=test,...]
#   make roster SUBMISSIONS="dir1 dir2 ..."   grade many submissions into one CSV
#   make skels [LAB=NN [TODO=N]]  regenerate skeletons (TODO=N: resume at TODO N)
#   make skels-check     fail if a committed skeleton differs from its solution
#   make reference       the solutions without TODOs and markers, and the driver in one
#                        file: build/reference/labNN/, build/reference/e1k_driver.c
#   make vm              build the QEMU guest (hw/qemu)
#   make vm-test         the labs' tests on QEMU's e1000, in the guest (same table as grade)
#   make deps / doctor   install packages / check this machine (deps-test: without
#                        the bench's yardsticks)
include mk/config.mk

LABS := $(sort $(wildcard lab0[0-9]-*))

all:
	@$(MAKE) -s -C common all
	@$(MAKE) -s -C tools all
	@if [ -f hw/sim/Makefile ]; then $(MAKE) -s -C hw/sim; fi
	@for lab in $(LABS); do \
		$(MAKE) -s -C $$lab all || exit 1; \
		$(MAKE) -s -C $$lab VARIANT=solutions all || exit 1; \
	done
	@echo "built: common, tools,$(if $(wildcard hw/sim/Makefile), hw/sim,) $(LABS)"

deps:
	@tools/deps

deps-test:
	@tools/deps --test

doctor:
	@tools/doctor

grade: deps-test
	@tools/grade-run $(if $(LAB),--lab $(LAB)) $(if $(SOLUTIONS),--solutions) \
		$(if $(SUBMISSION),--submission "$(SUBMISSION)") $(if $(EXTRA_TESTS),--extra "$(EXTRA_TESTS)") \
		$(if $(VM),--vm) $(if $(FORMAT),--format $(FORMAT)) $(if $(ONLY),--only $(ONLY))

roster: deps-test
	@tools/grade-roster $(if $(LAB),--lab $(LAB)) $(if $(EXTRA_TESTS),--extra "$(EXTRA_TESTS)") \
		$(if $(FORMAT),--format $(FORMAT)) $(SUBMISSIONS)

test: deps-test
	@tools/test-all

bench: deps
	@bench/run $(if $(QUICK),--quick) $(if $(THOROUGH),--thorough) $(if $(VM),--vm) $(if $(FROM),--from $(FROM))

skels:
	@tools/skels $(if $(LAB),--lab $(LAB)) $(if $(TODO),--solved $(TODO))

skels-check:
	@tools/skels --check

reference:
	@tools/reference $(BUILD)/reference

vm: deps-test
	@$(MAKE) -s -C hw/qemu vm

vm-test: deps-test
	@tools/grade-run --vm-only $(if $(LAB),--lab $(LAB)) $(if $(SOLUTIONS),--solutions) \
		$(if $(SUBMISSION),--submission "$(SUBMISSION)") $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(BUILD)

.PHONY: all deps deps-test doctor grade roster test bench skels skels-check reference vm vm-test clean
