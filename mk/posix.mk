# POSIX port (port/posix: sockets + Mbed TLS 3.6, mk/mbedtls.mk) and the `deploystop` CLI
# (boards/posix), plus `make install`.
POSIX_PORT_SRC := $(sort $(wildcard port/posix/*.c)) port/tls/tls_session.c
POSIX_CLI_SRC := $(sort $(wildcard boards/posix/*.c))
POSIX_PORT_OBJ := $(POSIX_PORT_SRC:%.c=$(BUILD)/posix/%.o)
POSIX_CLI_OBJ := $(POSIX_CLI_SRC:%.c=$(BUILD)/posix/%.o)
POSIX_LIB := $(BUILD)/libdeploystop_posix.a
CLI := $(BUILD)/deploystop
POSIX_CFLAGS = $(DS_CFLAGS) -Iport/posix -Iport/tls $(MBEDTLS_HOST_CFLAGS) -ffunction-sections -fdata-sections
# Mbed TLS 3.6 linked statically (mk/mbedtls.mk): the tool runs on hosts
# without libmbedtls installed and its size is what it costs (libc stays
# shared). `make install` ships that Mbed TLS (headers and archives) in
# deploystop's own folders, so a consumer never mixes it with a system one.
POSIX_TLS_LIBS = $(MBEDTLS_HOST_LIBS)
POSIX_LDFLAGS := -Wl,--gc-sections

$(BUILD)/posix/%.o: %.c $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(POSIX_CFLAGS) -MMD -MP -c $< -o $@

$(POSIX_LIB): $(POSIX_PORT_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(POSIX_CLI_OBJ) $(POSIX_LIB) $(LIB) $(MBEDTLS_HOST_STAMP)
	$(CC) $(CFLAGS) $(POSIX_LDFLAGS) -o $@ $(POSIX_CLI_OBJ) $(POSIX_LIB) $(LIB) \
	  $(POSIX_TLS_LIBS)

cli: $(CLI)
ALL_TARGETS += cli


# ---- make install PREFIX=/usr/local DESTDIR= ----
PREFIX ?= /usr/local
DESTDIR ?=
DS_VERSION_STR = $(shell sed -n 's/^\#define DS_VERSION "\(.*\)"/\1/p' include/deploystop.h)
INSTALL_HEADERS := $(sort $(wildcard include/*.h)) port/posix/ds_posix.h

$(BUILD)/deploystop.pc: include/deploystop.h mk/posix.mk
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' \
	  'libdir=$${exec_prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: deploystop' \
	  'Description: Stop a Huawei Cloud CodeArts Deploy deployment (zero-malloc core, POSIX mbedTLS port)' \
	  'Version: $(DS_VERSION_STR)' \
	  'Cflags: -I$${includedir}/deploystop -I$${includedir}/deploystop/mbedtls' \
	  'Libs: -L$${libdir} -L$${libdir}/deploystop -ldeploystop_posix -ldeploystop -lmbedtls -lmbedx509 -lmbedcrypto' > $@

install: $(LIB) $(POSIX_LIB) $(CLI) $(BUILD)/deploystop.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/deploystop
	install -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/bin/deploystop
	install -m 0644 $(LIB) $(POSIX_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(INSTALL_HEADERS) $(DESTDIR)$(PREFIX)/include/deploystop/
	install -m 0644 $(BUILD)/deploystop.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/deploystop.pc
	install -d $(DESTDIR)$(PREFIX)/lib/deploystop \
	  $(DESTDIR)$(PREFIX)/include/deploystop/mbedtls/mbedtls $(DESTDIR)$(PREFIX)/include/deploystop/mbedtls/psa
	install -m 0644 $(MBEDTLS_HOST_LIBS) $(DESTDIR)$(PREFIX)/lib/deploystop/
	install -m 0644 $(MBEDTLS_HOST_DIR)/include/mbedtls/*.h $(DESTDIR)$(PREFIX)/include/deploystop/mbedtls/mbedtls/
	install -m 0644 $(MBEDTLS_HOST_DIR)/include/psa/*.h $(DESTDIR)$(PREFIX)/include/deploystop/mbedtls/psa/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/deploystop \
	  $(DESTDIR)$(PREFIX)/lib/libdeploystop.a $(DESTDIR)$(PREFIX)/lib/libdeploystop_posix.a \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/deploystop.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/deploystop $(DESTDIR)$(PREFIX)/lib/deploystop

.PHONY: cli install uninstall
-include $(POSIX_PORT_OBJ:.o=.d) $(POSIX_CLI_OBJ:.o=.d)
