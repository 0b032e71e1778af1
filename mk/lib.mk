# mk/lib.mk — build one static library twice: plain (-O2) and with sanitizers.
# Inputs: NAME, SRCS (absolute paths), OUT (output directory), EXTRA_CFLAGS.
# Outputs: $(OUT)/lib$(NAME).a and $(OUT)/lib$(NAME)-san.a
OBJS     := $(patsubst %.c,$(OUT)/obj/%.o,$(notdir $(SRCS)))
SAN_OBJS := $(patsubst %.c,$(OUT)/san/%.o,$(notdir $(SRCS)))
vpath %.c $(sort $(dir $(SRCS)))

all: $(OUT)/lib$(NAME).a $(OUT)/lib$(NAME)-san.a

$(OUT)/lib$(NAME).a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/lib$(NAME)-san.a: $(SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/obj/%.o: %.c | $(OUT)/obj
	$(CC) $(KIT_CFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/san/%.o: %.c | $(OUT)/san
	$(CC) $(KIT_CFLAGS) $(EXTRA_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(OUT)/obj $(OUT)/san:
	mkdir -p $@

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d)
.PHONY: all
