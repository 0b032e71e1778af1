# mk/config.mk — compiler settings shared by every part of the kit.
# Included by the top Makefile, mk/lib.mk, mk/lab.mk and hw/*/Makefile.
ifndef TOP
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
endif
BUILD ?= $(TOP)/build

CC      ?= cc
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
KIT_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I$(TOP)/common -I$(TOP)/hw/sim
# Tests are built a second time with AddressSanitizer and UBSan.
SAN_FLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDLIBS_KIT = -lpthread
