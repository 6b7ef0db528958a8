# mock: the mock CodeArts Deploy server (tests/mock/) and its self-test.
# MOCK_CERTS is the shared certificate directory other stages may depend on
# through the mock-certs target; make_certs.py is idempotent and fast.
MOCK_CERTS := $(BUILD)/mock-certs
MOCK_SELFTEST_TMP := $(BUILD)/mock-selftest

mock-certs: $(DEPS_STAMP)
	$(PYTHON) tests/mock/make_certs.py $(MOCK_CERTS)

mock-selftest: mock-certs
	@rm -rf $(MOCK_SELFTEST_TMP) && mkdir -p $(MOCK_SELFTEST_TMP)
	MOCK_CERTS=$(abspath $(MOCK_CERTS)) MOCK_TMP=$(abspath $(MOCK_SELFTEST_TMP)) \
	  timeout 300 $(PYTHON) -m unittest tests/mock_selftest/test_mock.py

TEST_TARGETS += mock-selftest
.PHONY: mock-certs mock-selftest
