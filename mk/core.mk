# The zero-malloc core: build/libdeploystop.a from core/*.c.
CORE_SRC := $(sort $(wildcard core/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/host/%.o)
LIB := $(BUILD)/libdeploystop.a

$(BUILD)/host/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(DS_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

lib: $(LIB)
ALL_TARGETS += lib
.PHONY: lib

-include $(CORE_OBJ:.o=.d)
