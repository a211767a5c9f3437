# SphereGallery — see README.md.
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev libsqlite3-dev libpng-dev libturbojpeg0-dev
SWIFT_RELEASE := swift build -c release
TEST_FLAGS := -c release -Xswiftc -enable-testing

.PHONY: deps build test demo bench clean models

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT_RELEASE)

test: deps
	swift test $(TEST_FLAGS)

# Download + convert the pretrained models into the model cache (SPHERE_GALLERY_CACHE, default ~/.cache/sphere-gallery); no-op when present.
models:
	Tools/fetch_models.sh

clean:
	rm -rf .build
