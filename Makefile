# glovebox build: `make` builds ./glovebox; `make run` and `make test` are the
# two commands a newcomer needs (see README.md). Every source file in src/ is
# compiled; migrations, templates, static files and profiles are embedded into
# the binary by tools/embed.c so the binary is self-contained.

CC       ?= cc
BUILD    ?= build
BIN      ?= glovebox
SANITIZE ?=
PKGS     := libmicrohttpd jansson sqlite3 libpq libsodium inih yaml-0.1 liboath libqrencode libcurl \
            libcmark vips libmagic

# The library's pkg-config packages, for scripts that link it (tests/fuzz/run.sh).
print-pkgs:
	@echo $(PKGS)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
          -Wmissing-prototypes -Wno-unused-parameter -Wvla
OPT    ?= -O2 -g
# Every folder of src/ is an include folder: a file includes "store.h", not
# "data/store.h", and tools/check-layers.sh knows which folder is which layer.
SRC_DIRS := src $(sort $(patsubst %/,%,$(dir $(wildcard src/*/*.c src/*/*.h))))
# Hardening: stack canaries; glibc's checked memory and string calls
# (_FORTIFY_SOURCE needs optimisation, glibc warns at -O0, and is left out of
# the sanitizer build, whose ASan checks those calls itself; -U first, as a
# compiler that predefines it would warn at the redefinition); a
# position-independent executable; full RELRO (GOT read-only once loaded).
HARDEN   := -fstack-protector-strong -fPIE -U_FORTIFY_SOURCE
ifeq ($(SANITIZE),)
HARDEN   += $(if $(filter -O -O1 -O2 -O3 -Os -Og -Ofast,$(OPT)),-D_FORTIFY_SOURCE=2)
endif
LDHARDEN := -pie -Wl,-z,relro,-z,now
CFLAGS += -std=c17 -D_GNU_SOURCE $(WARN) $(OPT) $(HARDEN) -pthread $(addprefix -I,$(SRC_DIRS)) -I$(BUILD)/gen $(PKG_CFLAGS)
LDFLAGS += $(LDHARDEN)
LDLIBS += $(PKG_LIBS) -lcrack -pthread -lm

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# FUZZ=1 (clang): coverage for libFuzzer; tests/fuzz/run.sh builds the library so.
ifneq ($(FUZZ),)
CFLAGS  += -fsanitize=fuzzer-no-link
endif

SRCS    := $(sort $(wildcard src/*.c src/*/*.c))
OBJS    := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS)) $(BUILD)/obj/assets_data.o
LIBOBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
ASSETS  := $(sort $(wildcard migrations/*.sql templates/*.html static/* profiles/*.yaml))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps run test unit unit-bins asan bench fuzz clean format check-broker check-layers print-pkgs \
	check-format check-promises checks install
.DEFAULT_GOAL := all

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/embed: tools/embed.c | $(BUILD)/obj
	$(CC) -std=c17 -O1 -Wall -Wextra -Werror -o $@ $<

# The list of embedded files, rewritten only when it changes: a renamed or
# removed file (a migration renumbered) keeps its old time, so the files'
# times alone would leave its old name embedded.
$(BUILD)/gen/assets.list: FORCE | $(BUILD)/gen
	@echo '$(ASSETS)' | cmp -s - $@ || echo '$(ASSETS)' > $@

$(BUILD)/gen/assets_data.c: $(BUILD)/embed $(ASSETS) $(BUILD)/gen/assets.list | $(BUILD)/gen
	$(BUILD)/embed $(ASSETS) > $@.tmp && mv $@.tmp $@

FORCE:

$(BUILD)/obj/assets_data.o: $(BUILD)/gen/assets_data.c
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libglovebox.a: $(LIBOBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libglovebox.a | $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libglovebox.a $(LDLIBS) -lcmocka

$(BUILD)/obj $(BUILD)/gen $(BUILD)/tests:
	mkdir -p $@

# Each object depends on the headers it includes (-MMD); -MP names each header
# as a target too, so a header deleted or moved rebuilds the object instead of
# stopping make with "No rule to make target".
-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/*/*.d)

# Installs the Debian (and npm) packages that are missing; cheap when all are there.
deps:
	@scripts/deps.sh build

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all unit-bins
	@tests/run.sh

unit-bins: $(UNIT_BINS)

# The sanitizer build is clang's, so `make test` builds with both compilers
# (the normal build with cc, gcc on Debian).
ASAN_CC ?= clang
asan:
	@$(MAKE) --no-print-directory CC=$(ASAN_CC) BUILD=build-asan BIN=glovebox-asan SANITIZE=1 OPT="-O1 -g" all unit-bins

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(BUILD)/libglovebox.a
	@bench/run.sh
	@bench/members.sh
	@bench/vin.sh
	@bench/mail.sh
	@bench/handovers.sh
	@bench/instructions.sh
	@bench/visits.sh
	@bench/visits_report.sh
	@bench/shop.sh
	@bench/photos.sh

# The libFuzzer targets, each to ten million inputs (make test runs each for 20 s).
FUZZ_RUNS ?= 10000000
fuzz: all
	@FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run.sh

# The checks tier of make test: personal data only through the record layer
# (docs/architecture.md), layers only call down, the code formatted, and each
# test named after a promise tests behaviour (docs/testing.md).
checks: check-broker check-layers check-format check-promises

check-broker:
	@tools/check-broker.sh

# Fails if a file includes a header of a higher layer or modules include each other round a
# loop (tools/layers.txt lists the layers).
check-layers:
	@tools/check-layers.sh

check-format:
	@tools/check-format.sh

# Lists the tests of each promise id (docs/promises.txt); fails on a test with
# an id that only reads the profile back.
check-promises:
	@tools/check-promises.sh

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binary (templates,
# static files, migrations and profiles are embedded in it), the systemd unit
# (dist/glovebox.service.in, sandboxed), a sample configuration (kept if one
# is there) and the operator's guide. Installed for real (no DESTDIR), it
# also makes the `glovebox` system user and its data directory (0700); a
# DESTDIR install only stages files (docs/operations.md, "Installing").
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DOCDIR     ?= $(PREFIX)/share/doc/glovebox
SYSCONFDIR ?= /etc
STATEDIR   ?= /var/lib/glovebox
UNITDIR    ?= /etc/systemd/system
DESTDIR    ?=
INSTALL    ?= install
SUBST_PATHS = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@STATEDIR@|$(STATEDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

install: $(BIN)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/glovebox
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/glovebox
	$(SUBST_PATHS) dist/glovebox.service.in > $(BUILD)/glovebox.service
	$(INSTALL) -m 0644 $(BUILD)/glovebox.service $(DESTDIR)$(UNITDIR)/glovebox.service
	$(SUBST_PATHS) dist/glovebox.conf.in > $(BUILD)/glovebox.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/glovebox/glovebox.conf ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/glovebox/glovebox.conf"; \
	else \
		$(INSTALL) -m 0640 $(BUILD)/glovebox.conf $(DESTDIR)$(SYSCONFDIR)/glovebox/glovebox.conf; \
	fi
	$(INSTALL) -m 0644 docs/operations.md $(DESTDIR)$(DOCDIR)/operations.md
	@if [ -z "$(DESTDIR)" ]; then \
		getent passwd glovebox >/dev/null || \
			useradd --system --user-group --home-dir $(STATEDIR) --no-create-home \
				--shell /usr/sbin/nologin glovebox; \
		$(INSTALL) -d -m 0700 -o glovebox -g glovebox $(STATEDIR); \
		chgrp glovebox $(SYSCONFDIR)/glovebox $(SYSCONFDIR)/glovebox/glovebox.conf; \
		echo "install: done; start it with: systemctl daemon-reload && systemctl enable --now glovebox"; \
	fi

format:
	clang-format -i src/*.c src/*.h src/*/*.c src/*/*.h tests/unit/*.c tests/fuzz/*.c bench/*.c

clean:
	rm -rf build build-asan glovebox glovebox-asan
