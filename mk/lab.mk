# mk/lab.mk — how every lab is built. A lab's Makefile sets:
#   LAB       two digits, e.g. 04
#   LAB_NAME  e.g. descriptor-rings
#   LAB_DEPS  earlier labs whose *reference* code this lab links, e.g. 02 03
#   LAB_PROG_DEPS  more labs only the lab's programs link (main_*.c, app*.c), e.g. 07;
#             the library and the tests (all a graded build makes) never see them
#   LAB_SIM   1 when the tests use the simulated NIC (hw/sim)
#   LAB_LDLIBS extra libraries, e.g. -lbpf
# and includes this file.
#
# Which copy of the lab's .c/.h files is built:
#   make                         the student's files in this directory
#   make VARIANT=solutions       solutions/labNN (the reference)
#   make VARIANT=X SRC=DIR       any other copy (a skeleton, a submission)
# Outputs go to build/VARIANT/labNN/: liblabNN.a, the programs (main_NAME.c
# becomes NAME; app.c and app_*.c are code the programs share, linked into them
# and not into liblabNN.a) and the test program test_labNN (tests/*.c, with
# ASan/UBSan).
# A lab with tests/vm/*.c also gets test_labNN_vm: its integration tests on QEMU's
# e1000, run inside the guest (hw/qemu/README.md), built with the guest-side helpers
# of hw/qemu/vmtest/ against the same variant: `make vm-tests`.
include $(dir $(lastword $(MAKEFILE_LIST)))config.mk

LAB_DIR      := $(CURDIR)
VARIANT      ?= student
ifeq ($(VARIANT),solutions)
SRC          := $(TOP)/solutions/lab$(LAB)
endif
SRC          ?= $(LAB_DIR)
OUT          := $(BUILD)/$(VARIANT)/lab$(LAB)

APP_SRCS     := $(wildcard $(SRC)/app.c $(SRC)/app_*.c)
LIB_SRCS     := $(filter-out $(SRC)/main_%.c $(APP_SRCS),$(wildcard $(SRC)/*.c))
PROG_SRCS    := $(wildcard $(SRC)/main_*.c)
TEST_SRCS    := $(wildcard $(LAB_DIR)/tests/*.c)
EXTRA_SRCS   := $(if $(EXTRA_TESTS),$(wildcard $(EXTRA_TESTS)/lab$(LAB)/*.c))

LIB_OBJS     := $(patsubst $(SRC)/%.c,$(OUT)/obj/%.o,$(LIB_SRCS))
LIB_SAN_OBJS := $(patsubst $(SRC)/%.c,$(OUT)/san/%.o,$(LIB_SRCS))
APP_OBJS     := $(patsubst $(SRC)/%.c,$(OUT)/obj/%.o,$(APP_SRCS))
APP_SAN_OBJS := $(patsubst $(SRC)/%.c,$(OUT)/san/%.o,$(APP_SRCS))
PROGS        := $(patsubst $(SRC)/main_%.c,$(OUT)/%,$(PROG_SRCS))
TEST_OBJS    := $(patsubst $(LAB_DIR)/tests/%.c,$(OUT)/tests/%.o,$(TEST_SRCS))
TEST_PROG    := $(if $(TEST_SRCS),$(OUT)/test_lab$(LAB))
EXTRA_PROG   := $(if $(EXTRA_SRCS),$(OUT)/test_lab$(LAB)_extra)

VM_KIT_DIR   := $(TOP)/hw/qemu/vmtest
VM_SRCS      := $(wildcard $(LAB_DIR)/tests/vm/*.c)
VM_KIT_SRCS  := $(wildcard $(VM_KIT_DIR)/*.c)
VM_OBJS      := $(patsubst $(LAB_DIR)/tests/vm/%.c,$(OUT)/tests/vm/%.o,$(VM_SRCS)) \
		$(patsubst $(VM_KIT_DIR)/%.c,$(OUT)/vmtest/%.o,$(VM_KIT_SRCS))
VM_PROG      := $(if $(VM_SRCS),$(OUT)/test_lab$(LAB)_vm)

# Earlier labs: always their reference code, so each lab is graded on its own.
dep_dir       = $(firstword $(wildcard $(TOP)/lab$(1)-*))
DEP_INCLUDES := $(foreach d,$(LAB_DEPS),-I$(TOP)/solutions/lab$(d))
DEP_LIBS     := $(foreach d,$(shell echo $(LAB_DEPS) | tr ' ' '\n' | sort -r),$(BUILD)/solutions/lab$(d)/liblab$(d).a)
DEP_SAN_LIBS := $(DEP_LIBS:.a=-san.a)
SIM_LIB      := $(if $(filter 1,$(LAB_SIM)),$(BUILD)/hw/sim/libnicsim.a)
SIM_SAN_LIB  := $(SIM_LIB:.a=-san.a)
COMMON_LIB   := $(BUILD)/common/libkitcommon.a
COMMON_SAN_LIB := $(BUILD)/common/libkitcommon-san.a

LAB_CFLAGS   := $(KIT_CFLAGS) -I$(SRC) $(DEP_INCLUDES)
LIBS         := $(DEP_LIBS) $(SIM_LIB) $(COMMON_LIB) $(LAB_LDLIBS) $(LDLIBS_KIT)
SAN_LIBS     := $(DEP_SAN_LIBS) $(SIM_SAN_LIB) $(COMMON_SAN_LIB) -lcmocka $(LAB_LDLIBS) $(LDLIBS_KIT)

# The programs: LAB_DEPS and LAB_PROG_DEPS (the library and the tests see only LAB_DEPS).
PROG_DEP_INCLUDES := $(foreach d,$(LAB_PROG_DEPS),-I$(TOP)/solutions/lab$(d))
PROG_DEP_LIBS := $(foreach d,$(shell echo $(LAB_DEPS) $(LAB_PROG_DEPS) | tr ' ' '\n' | sort -ru),$(BUILD)/solutions/lab$(d)/liblab$(d).a)
PROG_LIBS    := $(PROG_DEP_LIBS) $(SIM_LIB) $(COMMON_LIB) $(LAB_LDLIBS) $(LDLIBS_KIT)
PROG_SAN_LIBS := $(PROG_DEP_LIBS:.a=-san.a) $(SIM_SAN_LIB) $(COMMON_SAN_LIB) -lcmocka $(LAB_LDLIBS) $(LDLIBS_KIT)
$(OUT)/obj/main_%.o $(OUT)/san/main_%.o: LAB_CFLAGS += $(PROG_DEP_INCLUDES)
$(APP_OBJS) $(APP_SAN_OBJS): LAB_CFLAGS += $(PROG_DEP_INCLUDES)

# A graded build of a student's files (tools/grade-run sets SYMCHECK_REF to the
# reference objects): the test programs are linked only after tools/symcheck has
# checked what those files define and call.
ifneq ($(SYMCHECK_REF),)
SYMCHECK_OK  := $(OUT)/symcheck.ok
endif

# The programs again, with ASan/UBSan (tools/argfuzz runs them with bad arguments).
SAN_PROGS    := $(patsubst $(SRC)/main_%.c,$(OUT)/san-progs/%,$(PROG_SRCS))

all: lib $(PROGS) $(TEST_PROG) $(EXTRA_PROG) $(VM_PROG)
lib: $(OUT)/liblab$(LAB).a $(OUT)/liblab$(LAB)-san.a
progs: $(PROGS)
tests: $(TEST_PROG) $(EXTRA_PROG)
vm-tests: $(VM_PROG)

# Run the tests in one process, for a quick look. `make grade LAB=$(LAB)` from
# the top directory runs them isolated and scores them.
ifneq ($(TEST_PROG),)
test: $(TEST_PROG)
	$(TEST_PROG)
else
test:
	@echo "lab $(LAB): no host tests; its tests run in the QEMU guest (make grade LAB=$(LAB))"
endif

$(OUT)/liblab$(LAB).a: $(LIB_OBJS) | $(OUT)
	@rm -f $@
	ar rcs $@ $^
$(OUT)/liblab$(LAB)-san.a: $(LIB_SAN_OBJS) | $(OUT)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/obj/%.o: $(SRC)/%.c | $(OUT)
	@mkdir -p $(dir $@)
	$(CC) $(LAB_CFLAGS) -MMD -MP -c $< -o $@
$(OUT)/san/%.o: $(SRC)/%.c | $(OUT)
	@mkdir -p $(dir $@)
	$(CC) $(LAB_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(OUT)/tests/%.o: $(LAB_DIR)/tests/%.c | $(OUT)
	@mkdir -p $(dir $@)
	$(CC) $(LAB_CFLAGS) -I$(LAB_DIR)/tests $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(OUT)/tests/vm/%.o: $(LAB_DIR)/tests/vm/%.c | $(OUT)
	@mkdir -p $(dir $@)
	$(CC) $(LAB_CFLAGS) -I$(LAB_DIR)/tests -I$(VM_KIT_DIR) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(OUT)/vmtest/%.o: $(VM_KIT_DIR)/%.c | $(OUT)
	@mkdir -p $(dir $@)
	$(CC) $(KIT_CFLAGS) -I$(VM_KIT_DIR) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(OUT)/extra/%.o: $(EXTRA_TESTS)/lab$(LAB)/%.c | $(OUT)
	@mkdir -p $(dir $@)
	$(CC) $(LAB_CFLAGS) -I$(LAB_DIR)/tests $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(PROGS): $(OUT)/%: $(OUT)/obj/main_%.o $(APP_OBJS) $(OUT)/liblab$(LAB).a prog-deps
	$(CC) $(CFLAGS) $< $(APP_OBJS) $(OUT)/liblab$(LAB).a $(PROG_LIBS) -o $@

ifneq ($(SYMCHECK_OK),)
$(SYMCHECK_OK): $(LIB_OBJS) deps
	@rm -f $@
	$(TOP)/tools/symcheck --ref $(SYMCHECK_REF) --api "$(DEP_LIBS) $(SIM_LIB) $(COMMON_LIB)" $(LIB_OBJS)
	@touch $@
endif

progs-san: $(SAN_PROGS)
$(SAN_PROGS): $(OUT)/san-progs/%: $(OUT)/san/main_%.o $(APP_SAN_OBJS) $(OUT)/liblab$(LAB)-san.a prog-deps
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) $< $(APP_SAN_OBJS) $(OUT)/liblab$(LAB)-san.a $(PROG_SAN_LIBS) -o $@

ifneq ($(TEST_PROG),)
$(TEST_PROG): $(TEST_OBJS) $(OUT)/liblab$(LAB)-san.a $(SYMCHECK_OK) deps
	$(CC) $(SAN_FLAGS) $(TEST_OBJS) $(OUT)/liblab$(LAB)-san.a $(SAN_LIBS) -o $@
endif

ifneq ($(VM_PROG),)
$(VM_PROG): $(VM_OBJS) $(OUT)/liblab$(LAB)-san.a $(SYMCHECK_OK) deps
	$(CC) $(SAN_FLAGS) $(VM_OBJS) $(OUT)/liblab$(LAB)-san.a $(SAN_LIBS) -o $@
endif

$(OUT)/test_lab$(LAB)_extra: $(patsubst $(EXTRA_TESTS)/lab$(LAB)/%.c,$(OUT)/extra/%.o,$(EXTRA_SRCS)) $(OUT)/liblab$(LAB)-san.a $(SYMCHECK_OK) deps
	$(CC) $(SAN_FLAGS) $(filter %.o,$^) $(OUT)/liblab$(LAB)-san.a $(SAN_LIBS) -o $@

# The libraries this lab links, built by their own Makefiles.
deps:
	@$(MAKE) -s -C $(TOP)/common all
	@$(if $(SIM_LIB),$(MAKE) -s -C $(TOP)/hw/sim,true)
	@$(foreach d,$(LAB_DEPS),$(MAKE) -s -C $(call dep_dir,$(d)) VARIANT=solutions SRC=$(TOP)/solutions/lab$(d) EXTRA_TESTS= lib &&) true
# ... and the ones only the programs link.
prog-deps: deps
	@$(foreach d,$(LAB_PROG_DEPS),$(MAKE) -s -C $(call dep_dir,$(d)) VARIANT=solutions SRC=$(TOP)/solutions/lab$(d) EXTRA_TESTS= lib &&) true

$(OUT):
	mkdir -p $@

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
.PHONY: all lib progs progs-san tests vm-tests test deps prog-deps clean
.SECONDARY:
