/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_AV_H
#define BOLT_NVBIND_AV_H

/*
 * Audio and display for game containers: the host's PipeWire/PulseAudio socket, X11 socket
 * (with an Xauthority cookie the container can use) or Wayland socket bound in with the
 * client environment set, /dev/dri, and /dev/input + /dev/uinput for controllers. The host
 * side comes from bolt's environment as a desktop session has it (DISPLAY, XAUTHORITY,
 * WAYLAND_DISPLAY, XDG_RUNTIME_DIR, PULSE_SERVER, PIPEWIRE_REMOTE). A missing socket is an
 * error naming the path that was looked for.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "util/err.h"

struct bolt_nv_av {
    const char *display;           /* x11 | wayland | auto; NULL = none */
    bool input;                    /* --gaming-input */
    const char *audio;             /* pipewire | pulseaudio; NULL = none */
    const char *latency;           /* low | normal | high; NULL = normal */
    long sample_rate, buffer_size; /* 0 = from latency */
};

/* One "key=value" setting: 1 if it was an audio/display key, 0 if not, -1 on a bad value. */
int bolt_nv_av_parse(struct bolt_nv_av *av, const char *key, const char *value,
                     struct bolt_err *err);

/* Whether any audio/display setting is set. */
bool bolt_nv_av_is_set(const struct bolt_nv_av *av);

/*
 * At create: find the host sockets and devices (error naming the path when missing), add
 * the bind mounts, device nodes and environment, and record io.bolt.gaming.x11/xauth for
 * the start. Every env entry set is appended to *applied ("K=V").
 */
int bolt_nv_av_edits(struct bolt_oci_spec *spec, const struct bolt_nv_av *av, char ***applied,
                     struct bolt_err *err);

/*
 * At start: for X11, write an Xauthority file holding the display's cookies as wildcard
 * entries (so they match whatever hostname the container has) under
 * <runroot>/gaming/<id>.xauth and bind it at /run/bolt-x11/Xauthority.
 */
int bolt_nv_av_start(struct bolt_oci_spec *spec, const char *runroot, struct bolt_err *err);

/*
 * The entries of an Xauthority file (len bytes at buf) for display number display
 * ("0" for :0), rewritten as FamilyWild (0xffff) with an empty address so they match any
 * hostname. A truncated entry ends the walk. Returns a new buffer (length in *out_len, 0 when
 * no entry matched). Pure: fuzzed.
 */
char *bolt_nv_xauth_wild(const void *buf, size_t len, const char *display, size_t *out_len);

#endif
