# Mbed TLS 3.6 LTS for the host: the one place that says where the host's
# Mbed TLS comes from. The sources are Debian 13's (port/lwip/fetch_sources.sh
# fetches lwIP and Mbed TLS into third_party/ on first use; the firmware
# compiles the same tree with its own configuration, mk/firmware.mk). The
# host build is upstream's default configuration (include/mbedtls/
# mbedtls_config.h: TLS 1.2 and TLS 1.3 with PSA Crypto), made with Mbed TLS's
# own `make static` in a copy under $(BUILD), and linked statically into
# everything host-side (CLI, unit tests, fuzz targets, e2e). Use:
#   prerequisite   | $(MBEDTLS_HOST_STAMP)
#   compile        $(MBEDTLS_HOST_CFLAGS)   (-isystem: their headers, their warnings)
#   link           $(MBEDTLS_HOST_LIBS)     (static archives, tls x509 crypto)
TP := third_party
TP_FETCH_STAMP := $(TP)/.fetched
# Links to the versioned trees apt-get source unpacks (fetch_sources.sh).
LWIP_DIR := $(TP)/lwip/
MBEDTLS_DIR := $(TP)/mbedtls/

HOST_PKGS += dpkg-dev

$(TP_FETCH_STAMP): port/lwip/fetch_sources.sh | $(DEPS_STAMP)
	port/lwip/fetch_sources.sh $(TP)
	@touch $@

MBEDTLS_HOST_DIR := $(BUILD)/mbedtls-host
MBEDTLS_HOST_STAMP := $(MBEDTLS_HOST_DIR)/.built
MBEDTLS_HOST_CFLAGS = -isystem $(MBEDTLS_HOST_DIR)/include
MBEDTLS_HOST_LIBS = $(MBEDTLS_HOST_DIR)/library/libmbedtls.a \
                    $(MBEDTLS_HOST_DIR)/library/libmbedx509.a \
                    $(MBEDTLS_HOST_DIR)/library/libmbedcrypto.a
MBEDTLS_HOST_BUILD_CFLAGS := -O2 -g -ffunction-sections -fdata-sections

$(MBEDTLS_HOST_STAMP): $(TP_FETCH_STAMP) mk/mbedtls.mk
	@rm -rf $(MBEDTLS_HOST_DIR) && mkdir -p $(MBEDTLS_HOST_DIR)
	cp -Rp $(MBEDTLS_DIR)include $(MBEDTLS_DIR)library $(MBEDTLS_DIR)3rdparty \
	  $(MBEDTLS_DIR)scripts $(MBEDTLS_DIR)framework $(MBEDTLS_HOST_DIR)/
	$(MAKE) --no-print-directory -C $(MBEDTLS_HOST_DIR)/library GEN_FILES= \
	  libmbedcrypto.a libmbedx509.a libmbedtls.a \
	  CC='$(CC)' CFLAGS='$(MBEDTLS_HOST_BUILD_CFLAGS)' >$(MBEDTLS_HOST_DIR)/build.log 2>&1 || \
	  { tail -n 40 $(MBEDTLS_HOST_DIR)/build.log; exit 1; }
	@touch $@

mbedtls-host: $(MBEDTLS_HOST_STAMP)
.PHONY: mbedtls-host
