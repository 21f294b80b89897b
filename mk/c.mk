# How user-space C is built, the same for every folder under src/:
#   src/DIR/NAME.c -> $(BUILD)/obj/DIR/NAME.o (with its .d dependencies)
#   $(call archive) in a fragment's rule packs its objects into a library.
# A folder's private headers sit beside its sources and are found because
# "" includes search the including file's folder first; include/ holds the
# interfaces shared across folders.
$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

define archive
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
endef

-include $(wildcard $(BUILD)/obj/*/*.d)
