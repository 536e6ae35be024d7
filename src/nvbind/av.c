/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audio and display edits (see av.h).
 */
#include "nvbind/av.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

#define X11_DIR      "/tmp/.X11-unix"
#define XAUTH_CTR    "/run/bolt-x11/Xauthority"
#define WAYLAND_DIR  "/run/bolt-wayland"
#define PULSE_DIR    "/run/bolt-pulse"
#define PIPEWIRE_DIR "/run/bolt-pipewire"

static const char *const sock_opts[] = {"bind", "rw", "nosuid", "nodev", "noexec", NULL};
static const char *const ro_opts[] = {"bind", "ro", "nosuid", "nodev", "noexec", NULL};

static bool
one_of(const char *v, const char *a, const char *b, const char *c)
{
    return !strcmp(v, a) || !strcmp(v, b) || (c && !strcmp(v, c));
}

static int
parse_long(const char *flag, const char *v, long lo, long hi, long *out, struct bolt_err *err)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < lo || n > hi)
        return bolt_err_set(err, 0, "%s: invalid value '%s' (expected a number from %ld to %ld)",
                            flag, v, lo, hi);
    *out = n;
    return 0;
}

int
bolt_nv_av_parse(struct bolt_nv_av *av, const char *key, const char *v, struct bolt_err *err)
{
    if (!strcmp(key, "display")) {
        if (!one_of(v, "x11", "wayland", "auto"))
            return bolt_err_set(err, 0,
                                "--display: invalid value '%s' (expected x11, wayland "
                                "or auto)",
                                v);
        av->display = v;
    } else if (!strcmp(key, "input")) {
        av->input = strcmp(v, "false") != 0;
    } else if (!strcmp(key, "audio")) {
        if (!one_of(v, "pipewire", "pulseaudio", NULL))
            return bolt_err_set(err, 0,
                                "--audio: invalid value '%s' (expected pipewire or "
                                "pulseaudio)",
                                v);
        av->audio = v;
    } else if (!strcmp(key, "audio_latency")) {
        if (!one_of(v, "low", "normal", "high"))
            return bolt_err_set(err, 0,
                                "--audio-latency: invalid value '%s' (expected low, "
                                "normal or high)",
                                v);
        av->latency = v;
    } else if (!strcmp(key, "sample_rate")) {
        return parse_long("sample_rate", v, 8000, 384000, &av->sample_rate, err) < 0 ? -1 : 1;
    } else if (!strcmp(key, "buffer_size")) {
        return parse_long("buffer_size", v, 16, 8192, &av->buffer_size, err) < 0 ? -1 : 1;
    } else {
        return 0;
    }
    return 1;
}

bool
bolt_nv_av_is_set(const struct bolt_nv_av *av)
{
    return av->display || av->input || av->audio || av->latency || av->sample_rate
           || av->buffer_size;
}

static void
setenv_applied(struct bolt_oci_spec *spec, char ***applied, const char *k, const char *v)
{
    cleanup_free char *kv = xasprintf("%s=%s", k, v);

    bolt_oci_spec_setenv(spec, k, v);
    bolt_strv_push(applied, kv);
}

static bool
is_socket(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* ---- display ---- */

static int
x11_edits(struct bolt_oci_spec *spec, char ***applied, struct bolt_err *err)
{
    const char *d = getenv("DISPLAY"), *xa = getenv("XAUTHORITY"), *home = getenv("HOME");
    cleanup_free char *sock = NULL, *auth = NULL;
    char *end;
    long n;

    if (d == NULL || *d == '\0')
        return bolt_err_set(err, 0, "--display x11: DISPLAY is not set (expected e.g. :0)");
    if (d[0] != ':' || (n = strtol(d + 1, &end, 10)) < 0 || end == d + 1 || (*end && *end != '.'))
        return bolt_err_set(err, 0,
                            "--display x11: DISPLAY '%s' is not a local display "
                            "(expected :N, served at " X11_DIR "/XN)",
                            d);
    sock = xasprintf(X11_DIR "/X%ld", n);
    if (!is_socket(sock))
        return bolt_err_set(err, ENOENT,
                            "--display x11: X11 socket '%s' not found (DISPLAY=%s): "
                            "start the X server or fix DISPLAY",
                            sock, d);
    bolt_oci_spec_add_mount(spec, sock, "bind", sock, sock_opts);
    setenv_applied(spec, applied, "DISPLAY", d);
    auth = xa && *xa ? xstrdup(xa) : home ? xasprintf("%s/.Xauthority", home) : NULL;
    if (auth && access(auth, R_OK) == 0) {
        bolt_oci_spec_set_annotation(spec, "io.bolt.gaming.xauth", auth);
        cleanup_free char *num = xasprintf("%ld", n);
        bolt_oci_spec_set_annotation(spec, "io.bolt.gaming.x11", num);
        setenv_applied(spec, applied, "XAUTHORITY", XAUTH_CTR);
    } else if (xa && *xa) {
        return bolt_err_set(err, errno, "--display x11: XAUTHORITY '%s' cannot be read", xa);
    }
    return 0;
}

static char *
wayland_socket(void)
{
    const char *w = getenv("WAYLAND_DISPLAY"), *rt = getenv("XDG_RUNTIME_DIR");

    if (w == NULL || *w == '\0')
        return NULL;
    if (w[0] == '/')
        return xstrdup(w);
    return rt && *rt ? xasprintf("%s/%s", rt, w) : NULL;
}

static int
wayland_edits(struct bolt_oci_spec *spec, char ***applied, struct bolt_err *err)
{
    cleanup_free char *sock = wayland_socket();

    if (sock == NULL)
        return bolt_err_set(err, 0,
                            "--display wayland: WAYLAND_DISPLAY (and XDG_RUNTIME_DIR) "
                            "are not set (expected e.g. wayland-0 under "
                            "/run/user/UID)");
    if (!is_socket(sock))
        return bolt_err_set(err, ENOENT,
                            "--display wayland: Wayland socket '%s' not found: "
                            "start the compositor or fix WAYLAND_DISPLAY",
                            sock);
    bolt_oci_spec_add_mount(spec, WAYLAND_DIR "/wayland-0", "bind", sock, sock_opts);
    setenv_applied(spec, applied, "WAYLAND_DISPLAY", WAYLAND_DIR "/wayland-0");
    setenv_applied(spec, applied, "XDG_SESSION_TYPE", "wayland");
    setenv_applied(spec, applied, "SDL_VIDEODRIVER", "wayland");
    return 0;
}

/* Every character device under dir (host /dev/dri, /dev/input), with its rule. */
static size_t
add_char_devs(struct bolt_oci_spec *spec, const char *dir)
{
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    while (d && (e = readdir(d))) {
        cleanup_free char *p = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (e->d_name[0] == '.' || stat(p, &st) < 0)
            continue;
        if (S_ISCHR(st.st_mode)) {
            bolt_oci_spec_add_device(spec, p, 'c', major(st.st_rdev), minor(st.st_rdev),
                                     st.st_mode & 07777, "rwm");
            n++;
        }
    }
    return n;
}

static int
display_edits(struct bolt_oci_spec *spec, const char *mode, char ***applied, struct bolt_err *err)
{
    int r;

    if (!strcmp(mode, "auto")) {
        cleanup_free char *w = wayland_socket();
        const char *d = getenv("DISPLAY");
        if (w && is_socket(w))
            mode = "wayland";
        else if (d && *d)
            mode = "x11";
        else
            return bolt_err_set(err, ENOENT,
                                "--display auto: no display found (WAYLAND_DISPLAY "
                                "socket '%s' missing, DISPLAY not set)",
                                w ? w : "unset");
    }
    r = !strcmp(mode, "wayland") ? wayland_edits(spec, applied, err)
                                 : x11_edits(spec, applied, err);
    if (r < 0)
        return -1;
    add_char_devs(spec, "/dev/dri"); /* GPUs given with --gpu bring their own DRI nodes too */
    bolt_oci_spec_set_annotation(spec, "io.bolt.gaming.display", mode);
    return 0;
}

static int
input_edits(struct bolt_oci_spec *spec, struct bolt_err *err)
{
    struct stat st;
    size_t n = add_char_devs(spec, "/dev/input");

    if (stat("/dev/uinput", &st) == 0 && S_ISCHR(st.st_mode)) {
        bolt_oci_spec_add_device(spec, "/dev/uinput", 'c', major(st.st_rdev), minor(st.st_rdev),
                                 st.st_mode & 07777, "rwm");
        n++;
    }
    if (n == 0)
        return bolt_err_set(err, ENOENT,
                            "--gaming-input: no input devices on this host "
                            "('/dev/input' and '/dev/uinput' not found; load the "
                            "uinput module or plug in a controller)");
    return 0;
}

/* ---- audio ---- */

static void
latency(const struct bolt_nv_av *av, long *rate, long *quantum)
{
    const char *l = av->latency ? av->latency : "normal";

    *rate = av->sample_rate ? av->sample_rate : 48000;
    *quantum = av->buffer_size      ? av->buffer_size
               : !strcmp(l, "low")  ? 128
               : !strcmp(l, "high") ? 2048
                                    : 1024;
}

static char *
pulse_socket(void)
{
    const char *s = getenv("PULSE_SERVER"), *rt = getenv("XDG_RUNTIME_DIR");

    if (s && strncmp(s, "unix:", 5) == 0)
        return xstrdup(s + 5);
    if (s && s[0] == '/')
        return xstrdup(s);
    if (rt && *rt)
        return xasprintf("%s/pulse/native", rt);
    return xstrdup("/run/pulse/native"); /* pulseaudio --system */
}

static int
audio_edits(struct bolt_oci_spec *spec, const struct bolt_nv_av *av, char ***applied,
            struct bolt_err *err)
{
    long rate, quantum;
    char buf[64];

    latency(av, &rate, &quantum);
    if (!strcmp(av->audio, "pipewire")) {
        const char *rt = getenv("XDG_RUNTIME_DIR"), *remote = getenv("PIPEWIRE_REMOTE");
        cleanup_free char *sock = remote && remote[0] == '/' ? xstrdup(remote)
                                  : rt && *rt
                                      ? xasprintf("%s/%s", rt, remote ? remote : "pipewire-0")
                                      : xstrdup("/run/pipewire/pipewire-0");
        if (!is_socket(sock))
            return bolt_err_set(err, ENOENT,
                                "audio pipewire: PipeWire socket '%s' not found: "
                                "start pipewire or set XDG_RUNTIME_DIR/"
                                "PIPEWIRE_REMOTE",
                                sock);
        bolt_oci_spec_add_mount(spec, PIPEWIRE_DIR "/pipewire-0", "bind", sock, sock_opts);
        setenv_applied(spec, applied, "PIPEWIRE_RUNTIME_DIR", PIPEWIRE_DIR);
        setenv_applied(spec, applied, "PIPEWIRE_REMOTE", "pipewire-0");
        /*
         * libpipewire's streams read these as fractions (a bare "1024" is ignored):
         * PIPEWIRE_LATENCY=QUANTUM/RATE is the node.latency the stream asks for, and
         * PIPEWIRE_RATE=1/RATE its node.rate. PIPEWIRE_QUANTUM (QUANTUM/RATE) makes newer
         * PipeWire force the whole graph to that quantum while the stream runs, so only an
         * explicit buffer_size sets it.
         */
        snprintf(buf, sizeof(buf), "%ld/%ld", quantum, rate);
        setenv_applied(spec, applied, "PIPEWIRE_LATENCY", buf);
        if (av->buffer_size)
            setenv_applied(spec, applied, "PIPEWIRE_QUANTUM", buf);
        snprintf(buf, sizeof(buf), "1/%ld", rate);
        setenv_applied(spec, applied, "PIPEWIRE_RATE", buf);
    } else {
        cleanup_free char *sock = pulse_socket();
        const char *home = getenv("HOME");
        cleanup_free char *cookie = home ? xasprintf("%s/.config/pulse/cookie", home) : NULL;
        if (!is_socket(sock))
            return bolt_err_set(err, ENOENT,
                                "audio pulseaudio: PulseAudio socket '%s' not found: "
                                "start pulseaudio or set PULSE_SERVER=unix:PATH",
                                sock);
        bolt_oci_spec_add_mount(spec, PULSE_DIR "/native", "bind", sock, sock_opts);
        setenv_applied(spec, applied, "PULSE_SERVER", "unix:" PULSE_DIR "/native");
        if (cookie && access(cookie, R_OK) == 0) {
            bolt_oci_spec_add_mount(spec, PULSE_DIR "/cookie", "bind", cookie, ro_opts);
            setenv_applied(spec, applied, "PULSE_COOKIE", PULSE_DIR "/cookie");
        }
        snprintf(buf, sizeof(buf), "%ld", quantum * 1000 / rate < 1 ? 1 : quantum * 1000 / rate);
        setenv_applied(spec, applied, "PULSE_LATENCY_MSEC", buf);
    }
    snprintf(buf, sizeof(buf), "%ld", quantum);
    setenv_applied(spec, applied, "SDL_AUDIO_SAMPLES", buf);
    snprintf(buf, sizeof(buf), "%ld", rate);
    setenv_applied(spec, applied, "SDL_AUDIO_FREQUENCY", buf);
    setenv_applied(spec, applied, "SDL_AUDIODRIVER",
                   !strcmp(av->audio, "pipewire") ? "pipewire" : "pulseaudio");
    bolt_oci_spec_set_annotation(spec, "io.bolt.gaming.audio", av->audio);
    return 0;
}

int
bolt_nv_av_edits(struct bolt_oci_spec *spec, const struct bolt_nv_av *av, char ***applied,
                 struct bolt_err *err)
{
    if ((av->latency || av->sample_rate || av->buffer_size) && !av->audio)
        return bolt_err_set(err, 0,
                            "audio latency, sample_rate and buffer_size need an audio "
                            "system: add --audio pipewire|pulseaudio");
    if (av->display && display_edits(spec, av->display, applied, err) < 0)
        return -1;
    if (av->input && input_edits(spec, err) < 0)
        return -1;
    if (av->audio && audio_edits(spec, av, applied, err) < 0)
        return -1;
    return 0;
}

/* ---- Xauthority ---- */

static int
read_field(const unsigned char *b, size_t len, size_t *off, const unsigned char **p, size_t *n)
{
    if (*off + 2 > len)
        return -1;
    *n = (size_t)b[*off] << 8 | b[*off + 1];
    if (*off + 2 + *n > len)
        return -1;
    *p = b + *off + 2;
    *off += 2 + *n;
    return 0;
}

/*
 * Keep the entries for display number num, rewritten as FamilyWild (0xffff): the cookie then
 * matches the container's own hostname, which differs from the host's.
 */
char *
bolt_nv_xauth_wild(const void *buf, size_t len, const char *num, size_t *out_len)
{
    const unsigned char *b = buf;
    char *out = xmalloc(len + 1);
    size_t off = 0, o = 0;

    while (off + 2 <= len) {
        const unsigned char *addr, *dnum, *name, *data;
        size_t na, nn, nm, nd;
        off += 2; /* family */
        if (read_field(b, len, &off, &addr, &na) < 0 || read_field(b, len, &off, &dnum, &nn) < 0
            || read_field(b, len, &off, &name, &nm) < 0 || read_field(b, len, &off, &data, &nd) < 0)
            break;
        if (nn != strlen(num) || memcmp(dnum, num, nn) != 0)
            continue;
        out[o++] = (char)0xff;
        out[o++] = (char)0xff;
        out[o++] = 0; /* empty address */
        out[o++] = 0;
        const unsigned char *f[3] = {dnum, name, data};
        size_t fl[3] = {nn, nm, nd};
        for (int i = 0; i < 3; i++) {
            out[o++] = (char)(fl[i] >> 8);
            out[o++] = (char)(fl[i] & 0xff);
            memcpy(out + o, f[i], fl[i]);
            o += fl[i];
        }
    }
    *out_len = o;
    return out;
}

static const char *
annotation(const struct bolt_oci_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->n_annotations; i++)
        if (strcmp(spec->annotations[i].key, key) == 0)
            return spec->annotations[i].value;
    return NULL;
}

/* Cookie files of containers that are gone (engine layout: <runroot>/containers/<id>/). */
static void
prune_xauth(const char *runroot, const char *dir)
{
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 6 || strcmp(e->d_name + n - 6, ".xauth") != 0)
            continue;
        cleanup_free char *ctr = xasprintf("%s/containers/%.*s", runroot, (int)(n - 6), e->d_name);
        cleanup_free char *f = xasprintf("%s/%s", dir, e->d_name);
        if (!bolt_path_exists(ctr))
            unlink(f);
    }
}

int
bolt_nv_av_start(struct bolt_oci_spec *spec, const char *runroot, struct bolt_err *err)
{
    const char *xauth = annotation(spec, "io.bolt.gaming.xauth");
    const char *num = annotation(spec, "io.bolt.gaming.x11");
    const char *id = annotation(spec, "io.bolt.container.id");
    cleanup_free char *src = NULL, *wild = NULL, *dir = NULL, *dst = NULL;
    size_t len = 0, wlen = 0;

    if (xauth == NULL || num == NULL)
        return 0;
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (strcmp(spec->mounts[i].destination, XAUTH_CTR) == 0)
            return 0; /* a restart: already bound */
    if ((src = bolt_read_file(xauth, &len, err)) == NULL)
        return bolt_err_wrap(err, "--display x11: Xauthority");
    wild = bolt_nv_xauth_wild(src, len, num, &wlen);
    if (wlen == 0)
        return bolt_err_set(err, 0, "--display x11: Xauthority '%s' has no cookie for display :%s",
                            xauth, num);
    dir = xasprintf("%s/gaming", runroot);
    dst = xasprintf("%s/%s.xauth", dir, id ? id : "container");
    prune_xauth(runroot, dir);
    if (bolt_mkdir_p(dir, 0700, err) < 0 || bolt_write_file_atomic(dst, wild, wlen, 0644, err) < 0)
        return -1;
    bolt_oci_spec_add_mount(spec, XAUTH_CTR, "bind", dst, ro_opts);
    return 0;
}
