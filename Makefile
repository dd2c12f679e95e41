# nnlab: one non-recursive Makefile.
#   make            build build/release/{nnlab,libnn.a,plugins/*.so}
#   make run        set up, fetch MNIST, build, run configs/nielsen-ch1.yaml
#   make test       set up, fetch MNIST, build, run the test suite
#   make install    nnlab, its plugins and the plugin SDK under PREFIX
#   make bench      speed and memory of three nets (chapters 1, 3 and 6)
#                   against PyTorch and numpy (docs/speed.md)
#   make reproduce  the book's MNIST table, 3 seeds a row (runs/book/REPORT.md)
#   make reproduce-ch6  the book's chapter-6 conv nets as resumable sweeps
#                   (runs/book/REPORT-ch6.md; hours on two cores)
#   WERROR=1        add -Werror
#   SANITIZE=address,undefined   build and test a sanitizer variant
#                   (under build/sanitize/, never mixed with release objects)

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

ifdef SANITIZE
VARIANT := sanitize
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
else
VARIANT := release
OPT := -O3 -g -march=native -ffp-contract=fast
endif
B := build/$(VARIANT)

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
ifeq ($(WERROR),1)
WARN += -Werror
endif
CPPFLAGS += -D_DEFAULT_SOURCE -Icore -Iloaders -Iexperiments -MMD -MP

# Sweeps across machines need MPI: built when mpicc is there, or insist
# with MPI=1 (MPI=0 builds without).
MPICC := $(shell command -v mpicc 2>/dev/null)
ifeq ($(MPI),)
MPI := $(if $(MPICC),1,0)
endif
ifeq ($(MPI),1)
ifeq ($(MPICC),)
$(error MPI=1 needs mpicc: sh scripts/setup.sh openmpi-bin libopenmpi-dev)
endif
MPI_CFLAGS := $(shell mpicc --showme:compile) -DNNLAB_MPI
MPI_LIBS := $(shell mpicc --showme:link)
endif
CFLAGS += $(WARN) $(OPT) -fopenmp-simd -pthread
LDFLAGS += $(if $(SANITIZE),-fsanitize=$(SANITIZE))
VERSION := 0.1.0

CORE_SRC := $(wildcard core/*.c)
EXP_SRC := $(filter-out experiments/exp_main.c experiments/exp_sweep_mpi.c,$(wildcard experiments/*.c))
PLUGIN_SRC := $(wildcard loaders/ds_*.c)
TEST_SRC := $(wildcard tests/*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
# The MPI executor is built only with MPI.
EXP_MPI_SRC := $(if $(filter 1,$(MPI)),experiments/exp_sweep_mpi.c)
EXP_OBJ := $(EXP_SRC:%.c=$(B)/%.o) $(EXP_MPI_SRC:%.c=$(B)/%.o)
PLUGINS := $(PLUGIN_SRC:loaders/ds_%.c=$(B)/plugins/ds_%.so)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)

NNLAB := $(B)/nnlab
TESTS := $(B)/tests/nnlab-tests
LIBS := -lyaml -lz -lm -pthread $(MPI_LIBS)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all run test bench bench-search bench-conv bench-json figures reproduce reproduce-ch6 fashion install setup data browser clean FORCE

all: $(NNLAB) $(PLUGINS)

$(B)/libnn.a: $(CORE_OBJ)
	ar rcs $@ $^

$(B)/libexp.a: $(EXP_OBJ)
	ar rcs $@ $^

$(NNLAB): $(B)/experiments/exp_main.o $(B)/libexp.a $(B)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Objects are rebuilt when the compiler or its flags change (as git's
# Makefile does with GIT-CFLAGS).
FLAGS_FILE := $(B)/flags
$(FLAGS_FILE): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) MPI=$(MPI)' | cmp -s - $@ || \
		echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) MPI=$(MPI)' > $@

$(B)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DNNLAB_VERSION='"$(VERSION)"' -c -o $@ $<

# Plugins: position-independent objects of their own, one .so each,
# exporting only the descriptor.
$(B)/plugins/%.pic.o: loaders/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

# The csv plugin's record reader is a file of its own, linked into it.
$(B)/plugins/ds_csv.so: $(B)/plugins/csv_record.pic.o
$(B)/plugins/%.so: $(B)/plugins/%.pic.o
	$(CC) $(LDFLAGS) -shared -o $@ $^ -lz

# Plugins that the tests load to check the host's ABI errors.
TEST_PLUGIN_SRC := $(wildcard tests/plugins/ds_*.c)
TEST_PLUGINS := $(TEST_PLUGIN_SRC:tests/plugins/%.c=$(B)/tests/plugins/%.so)
$(B)/tests/plugins/%.pic.o: tests/plugins/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<
$(B)/tests/plugins/%.so: $(B)/tests/plugins/%.pic.o
	$(CC) $(LDFLAGS) -shared -o $@ $<

$(TESTS): $(TEST_OBJ) $(B)/libexp.a $(B)/libnn.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcriterion $(LIBS)

$(B)/experiments/exp_sweep_mpi.o $(B)/experiments/exp_main.o: CPPFLAGS += $(MPI_CFLAGS)

$(B)/tests/%.o: CPPFLAGS += -DNNLAB_BUILD_DIR='"$(CURDIR)/$(B)"' \
	-DNNLAB_SOURCE_DIR='"$(CURDIR)"' $(if $(SANITIZE),-DNNLAB_SANITIZE='"$(SANITIZE)"')

setup:
	@sh scripts/setup.sh

data: setup
	@sh scripts/fetch-mnist.sh data/mnist

# Headless Chromium and playwright-core, for the test that loads an HTML
# report in a real browser.
browser: setup
	@sh scripts/setup.sh chromium
	@[ -d tests/browser/node_modules/playwright-core ] || \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

# Decoded MNIST is kept in data/.decoded (NNLAB_DATA_CACHE): runs after the
# first skip the decompression.
run: data
	@$(MAKE) --no-print-directory all
	NNLAB_DATA_CACHE=$${NNLAB_DATA_CACHE:-data/.decoded} $(NNLAB) run configs/nielsen-ch1.yaml

# The tests write under one fresh TMPDIR, removed afterwards.
test: data browser
	@$(MAKE) --no-print-directory all $(TESTS) $(TEST_PLUGINS)
	@tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/nnlab-tests.XXXXXX") || exit 1; \
	echo "TMPDIR=$$tmp $(if $(SANITIZE),LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp) $(TESTS) --jobs 2"; \
	TMPDIR=$$tmp $(if $(SANITIZE),LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp) $(TESTS) --jobs 2; \
	rc=$$?; rm -rf "$$tmp"; exit $$rc

# The convolution kernels' speed, step by step, on 1 thread and on every core.
bench-conv: $(B)/bench-conv
	$(B)/bench-conv
# How long a large model file takes to read.
bench-json: $(B)/bench-json
	$(B)/bench-json
$(B)/bench-json: scripts/bench-json.c $(B)/libnn.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/libnn.a -lm -pthread
$(B)/bench-conv: scripts/bench-conv.c $(B)/libnn.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/libnn.a -lm -pthread
# The machine's multiply-add peak on 1 thread and on every core (make bench's reference).
$(B)/bench-peak: scripts/bench-peak.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -pthread

# The book's MNIST figures into runs/figures/ (scripts/figures.sh).
figures: data
	@$(MAKE) --no-print-directory all
	NNLAB=$(NNLAB) bash scripts/figures.sh

# The search benchmark: random, TPE and ASHA against Optuna's TPE (scripts/bench-search.sh).
bench-search: data
	@$(MAKE) --no-print-directory all
	@sh scripts/bench-search.sh $(NNLAB)

bench: data
	@$(MAKE) --no-print-directory all $(B)/bench-peak
	@PEAK=$(B)/bench-peak sh scripts/bench.sh $(NNLAB)

# Fashion-MNIST from Debian's package, trained with configs/fashion-mnist.yaml.
fashion: setup
	@sh scripts/setup.sh dataset-fashion-mnist
	@$(MAKE) --no-print-directory all
	$(NNLAB) run configs/fashion-mnist.yaml

# The book's MNIST table, 3 seeds a row: runs/book/REPORT.md.
reproduce: data
	@$(MAKE) --no-print-directory all
	@sh scripts/reproduce.sh $(NNLAB)

reproduce-ch6: data
	@$(MAKE) --no-print-directory all
	@sh scripts/reproduce-ch6.sh $(NNLAB)

# The program, the plugins and the plugin SDK (header, pkg-config file,
# the example plugin) under PREFIX; DESTDIR for staged installs.
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/nnlab/plugins \
		$(DESTDIR)$(PREFIX)/include/nnlab $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/nnlab/example-plugin
	install -m 755 $(NNLAB) $(DESTDIR)$(PREFIX)/bin/nnlab
	install -m 755 $(PLUGINS) $(DESTDIR)$(PREFIX)/lib/nnlab/plugins/
	install -m 644 loaders/ds_plugin.h $(DESTDIR)$(PREFIX)/include/nnlab/ds_plugin.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' loaders/nnlab-plugin.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/nnlab-plugin.pc
	install -m 644 loaders/example/ds_rings.c loaders/example/Makefile \
		$(DESTDIR)$(PREFIX)/share/nnlab/example-plugin/
	install -d $(DESTDIR)$(PREFIX)/share/doc/nnlab
	install -m 644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/nnlab/

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(EXP_OBJ:.o=.d) $(TEST_OBJ:.o=.d) \
	$(B)/experiments/exp_main.d $(PLUGIN_SRC:loaders/%.c=$(B)/plugins/%.pic.d) $(B)/plugins/csv_record.pic.d \
	$(TEST_PLUGIN_SRC:tests/plugins/%.c=$(B)/tests/plugins/%.pic.d)

# Coverage-guided fuzzing of the parsers of untrusted input (clang's
# libFuzzer): make fuzz [FUZZ_SECONDS=60]
FUZZ_SECONDS ?= 60
FUZZ_B := build/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -DNNLAB_VERSION='"$(VERSION)"' \
	-D_DEFAULT_SOURCE -Icore -Iloaders -Iexperiments -pthread
$(FUZZ_B)/fuzz_model_json: tests/fuzz/fuzz_model_json.c $(CORE_SRC)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lm
$(FUZZ_B)/fuzz_config_yaml: tests/fuzz/fuzz_config_yaml.c $(CORE_SRC) $(EXP_SRC)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lyaml -lz -lm
$(FUZZ_B)/fuzz_idx: tests/fuzz/fuzz_idx.c loaders/ds_mnist.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lz
$(FUZZ_B)/fuzz_csv: tests/fuzz/fuzz_csv.c loaders/ds_csv.c loaders/csv_record.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lz -lm
$(FUZZ_B)/fuzz_sweep: tests/fuzz/fuzz_sweep.c $(CORE_SRC) $(EXP_SRC)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lyaml -lz -lm
$(FUZZ_B)/fuzz_checkpoint: tests/fuzz/fuzz_checkpoint.c $(CORE_SRC) $(EXP_SRC)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lyaml -lz -lm
$(FUZZ_B)/fuzz_layers: tests/fuzz/fuzz_layers.c $(CORE_SRC) $(EXP_SRC)
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lyaml -lz -lm
FUZZERS := model_json config_yaml idx csv sweep checkpoint layers
fuzz: $(FUZZERS:%=$(FUZZ_B)/fuzz_%)
	@mkdir -p $(FUZZERS:%=$(FUZZ_B)/corpus-%)
	cp configs/*.yaml $(FUZZ_B)/corpus-config_yaml/
	cp configs/*.yaml tests/fuzz/corpus/sweep/* $(FUZZ_B)/corpus-sweep/
	cp tests/fuzz/corpus/idx/* $(FUZZ_B)/corpus-idx/
	cp tests/fuzz/corpus/csv/* $(FUZZ_B)/corpus-csv/
	cp tests/fuzz/corpus/model_json/* $(FUZZ_B)/corpus-model_json/
	cp tests/fuzz/corpus/checkpoint/* $(FUZZ_B)/corpus-checkpoint/
	cp tests/fuzz/corpus/layers/* $(FUZZ_B)/corpus-layers/
	for f in $(FUZZERS); do \
		$(FUZZ_B)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=30 \
			$(FUZZ_B)/corpus-$$f || exit 1; \
	done
.PHONY: fuzz
