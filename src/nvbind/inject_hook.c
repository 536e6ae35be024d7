/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The logic of the OCI hooks that CDI specs reference (`nvbind hook update-ldcache`,
 * `nvbind hook create-symlinks`). They run as createContainer hooks: in the container's
 * mount namespace, before pivot_root, with the OCI state on stdin. Everything inside the
 * rootfs is reached through an O_PATH fd of it (openat2 RESOLVE_IN_ROOT), so a hostile
 * image cannot redirect a write outside with symlinks. The cache is written with the same
 * writer as the fast path: no ldconfig process.
 */
#include "nvbind/inject.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvbind/ldcache.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- ELF: DT_SONAME and the ld.so.cache arch flags ---- */

struct elf_view {
    const unsigned char *p;
    size_t len;
    bool is64;
};

static bool
in_range(const struct elf_view *v, uint64_t off, uint64_t n)
{
    return off <= v->len && n <= v->len - off;
}

/* File offset of virtual address addr through the PT_LOAD headers, or (uint64_t)-1. */
static uint64_t
vaddr_to_off(const struct elf_view *v, uint64_t phoff, unsigned phnum, unsigned phentsize,
             uint64_t addr)
{
    for (unsigned i = 0; i < phnum; i++) {
        uint64_t o = phoff + (uint64_t)i * phentsize, va, fo, sz;
        uint32_t type;

        if (!in_range(v, o, v->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
            return (uint64_t)-1;
        if (v->is64) {
            Elf64_Phdr phs;
            const Elf64_Phdr *ph = &phs;
            memcpy(&phs, v->p + o, sizeof(phs));
            type = ph->p_type, va = ph->p_vaddr, fo = ph->p_offset, sz = ph->p_filesz;
        } else {
            Elf32_Phdr phs;
            const Elf32_Phdr *ph = &phs;
            memcpy(&phs, v->p + o, sizeof(phs));
            type = ph->p_type, va = ph->p_vaddr, fo = ph->p_offset, sz = ph->p_filesz;
        }
        if (type == PT_LOAD && addr >= va && addr - va < sz)
            return fo + (addr - va);
    }
    return (uint64_t)-1;
}

static int
dyn_soname(const struct elf_view *v, uint64_t phoff, unsigned phnum, unsigned phentsize,
           uint64_t dyn_off, uint64_t dyn_size, char **soname)
{
    uint64_t strtab = 0, so = (uint64_t)-1, es = v->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);

    for (uint64_t o = dyn_off; o + es <= dyn_off + dyn_size && in_range(v, o, es); o += es) {
        int64_t tag;
        uint64_t val;
        if (v->is64) {
            Elf64_Dyn ds;
            const Elf64_Dyn *d = &ds;
            memcpy(&ds, v->p + o, sizeof(ds));
            tag = d->d_tag, val = d->d_un.d_val;
        } else {
            Elf32_Dyn ds;
            const Elf32_Dyn *d = &ds;
            memcpy(&ds, v->p + o, sizeof(ds));
            tag = d->d_tag, val = d->d_un.d_val;
        }
        if (tag == DT_NULL)
            break;
        if (tag == DT_STRTAB)
            strtab = val;
        else if (tag == DT_SONAME)
            so = val;
    }
    if (so == (uint64_t)-1 || strtab == 0)
        return 0;
    strtab = vaddr_to_off(v, phoff, phnum, phentsize, strtab);
    if (strtab == (uint64_t)-1 || !in_range(v, strtab, so) || !in_range(v, strtab + so, 1))
        return 0;
    {
        const char *s = (const char *)v->p + strtab + so;
        size_t max = v->len - (strtab + so), n = strnlen(s, max);
        if (n == max || n == 0)
            return 0;
        *soname = xstrndup(s, n);
    }
    return 0;
}

/* Parse an ELF image: *flags gets the cache flags (0 if not a shared object we know). */
static void
elf_info(const unsigned char *p, size_t len, char **soname, int32_t *flags)
{
    struct elf_view v = {p, len, false};
    uint64_t phoff;
    unsigned phnum, phentsize, machine;

    *flags = 0;
    if (len < sizeof(Elf32_Ehdr) || memcmp(p, ELFMAG, SELFMAG) != 0)
        return;
    v.is64 = p[EI_CLASS] == ELFCLASS64;
    if (v.is64) {
        Elf64_Ehdr ehs;
        const Elf64_Ehdr *eh = &ehs;
        if (len < sizeof(ehs))
            return;
        memcpy(&ehs, p, sizeof(ehs));
        phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
        machine = eh->e_machine;
    } else {
        Elf32_Ehdr ehs;
        const Elf32_Ehdr *eh = &ehs;
        memcpy(&ehs, p, sizeof(ehs));
        phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
        machine = eh->e_machine;
    }
    if (machine == EM_X86_64 && v.is64)
        *flags = BOLT_LDCACHE_FLAG_ELF_LIBC6 | BOLT_LDCACHE_ARCH_X86_64;
    else if (machine == EM_AARCH64 && v.is64)
        *flags = BOLT_LDCACHE_FLAG_ELF_LIBC6 | BOLT_LDCACHE_ARCH_AARCH64;
    else if (machine == EM_386 && !v.is64)
        *flags = BOLT_LDCACHE_FLAG_ELF_LIBC6 | BOLT_LDCACHE_ARCH_I386;
    else
        return;
    if (phentsize < (v.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
        return;
    for (unsigned i = 0; i < phnum; i++) {
        uint64_t o = phoff + (uint64_t)i * phentsize;
        if (!in_range(&v, o, phentsize))
            return;
        if (v.is64) {
            Elf64_Phdr phs;
            const Elf64_Phdr *ph = &phs;
            memcpy(&phs, p + o, sizeof(phs));
            if (ph->p_type == PT_DYNAMIC)
                dyn_soname(&v, phoff, phnum, phentsize, ph->p_offset, ph->p_filesz, soname);
        } else {
            Elf32_Phdr phs;
            const Elf32_Phdr *ph = &phs;
            memcpy(&phs, p + o, sizeof(phs));
            if (ph->p_type == PT_DYNAMIC)
                dyn_soname(&v, phoff, phnum, phentsize, ph->p_offset, ph->p_filesz, soname);
        }
    }
}

int
bolt_nv_elf_soname_at(int dirfd, const char *name, char **soname, int32_t *flags)
{
    cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    void *m;

    *soname = NULL;
    *flags = 0;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 64)
        return -1;
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return -1;
    elf_info(m, (size_t)st.st_size, soname, flags);
    munmap(m, (size_t)st.st_size);
    return *flags ? 0 : -1;
}

/* ---- the container's rootfs from the OCI state ---- */

char *
bolt_nv_hook_rootfs(const char *state_json, size_t len, struct bolt_err *err)
{
    json_t *st = bolt_json_loadb(state_json, len, "OCI state on stdin", err);
    cleanup_free char *bundle = NULL, *config = NULL;
    struct bolt_oci_spec *spec;
    char *rootfs;

    if (st == NULL)
        return NULL;
    if (bolt_json_req_str(st, "state", "bundle", &bundle, err) < 0) {
        json_decref(st);
        return NULL;
    }
    json_decref(st);
    config = xasprintf("%s/config.json", bundle);
    spec = bolt_oci_spec_load(config, err);
    if (spec == NULL)
        return NULL;
    if (spec->root_path == NULL) {
        bolt_oci_spec_free(spec);
        bolt_err_set(err, 0, "'%s': root.path is missing", config);
        return NULL;
    }
    rootfs = spec->root_path[0] == '/' ? xstrdup(spec->root_path)
                                       : xasprintf("%s/%s", bundle, spec->root_path);
    bolt_oci_spec_free(spec);
    return rootfs;
}

/* ---- update-ldcache ---- */

static bool
looks_like_lib(const char *n)
{
    return strncmp(n, "lib", 3) == 0 && strstr(n, ".so") != NULL;
}

static void
symlink_soname(int dfd, const char *folder, const char *soname, const char *file)
{
    char buf[256];
    ssize_t n = readlinkat(dfd, soname, buf, sizeof(buf) - 1);

    if (n >= 0) {
        buf[n] = 0;
        if (strcmp(buf, file) == 0)
            return;
        unlinkat(dfd, soname, 0);
    } else if (errno != ENOENT && errno != EINVAL) {
        return;
    } else if (errno == EINVAL) {
        return; /* a real file of that name: keep it (like ldconfig) */
    }
    if (symlinkat(file, dfd, soname) < 0)
        log_warn("update-ldcache: symlink '%s/%s' -> '%s': %s", folder, soname, file,
                 strerror(errno));
}

static int
scan_folder(int rootfd, const char *folder, struct bolt_ldcache *c, struct bolt_err *err)
{
    int dfd = bolt_open_in_root(rootfd, folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
    cleanup_dir DIR *d = NULL;
    struct dirent *de;

    if (dfd < 0) {
        log_warn("update-ldcache: folder '%s' is not in the container: skipped", folder);
        bolt_err_clear(err);
        return 0;
    }
    d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return bolt_err_set(err, errno, "read folder '%s'", folder);
    }
    while ((de = readdir(d))) {
        cleanup_free char *soname = NULL, *value = NULL;
        int32_t flags;

        if (!looks_like_lib(de->d_name) || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
            continue;
        if (bolt_nv_elf_soname_at(dfd, de->d_name, &soname, &flags) < 0)
            continue;
        if (soname && strcmp(soname, de->d_name) != 0)
            symlink_soname(dfd, folder, soname, de->d_name);
        value = xasprintf("%s/%s", strcmp(folder, "/") ? folder : "", soname ? soname : de->d_name);
        bolt_ldcache_add(c, flags, soname ? soname : de->d_name, value);
    }
    return 0;
}

int
bolt_nv_hook_update_ldcache(const char *rootfs, char *const *folders, struct bolt_err *err)
{
    cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    cleanup_ldcache struct bolt_ldcache *add = bolt_ldcache_new(), *img = NULL, *merged = NULL;
    cleanup_free char *text = NULL;
    cleanup_free void *data = NULL;
    cleanup_close int fd = -1;
    size_t len = 0;

    if (rootfd < 0)
        return bolt_err_set(err, errno, "open rootfs '%s'", rootfs);
    for (size_t i = 0; folders && folders[i]; i++) {
        if (folders[i][0] != '/')
            return bolt_err_set(err, 0,
                                "--folder '%s': expected an absolute path inside the "
                                "container",
                                folders[i]);
        if (scan_folder(rootfd, folders[i], add, err) < 0)
            return -1;
    }
    fd = bolt_open_in_root(rootfd, "/etc/ld.so.cache", O_RDONLY | O_CLOEXEC, 0, NULL);
    if (fd >= 0) {
        cleanup_free char *p = xasprintf("/proc/self/fd/%d", fd);
        struct bolt_err e = {0};
        text = bolt_read_file(p, &len, NULL);
        img = text ? bolt_ldcache_parse(text, len, &e) : NULL;
        if (text && img == NULL)
            log_warn("update-ldcache: the image's /etc/ld.so.cache is not readable (%s): "
                     "rewritten with the new folders only",
                     e.msg);
        close(steal_fd(&fd));
    }
    merged = bolt_ldcache_merge(img, add);
    data = bolt_ldcache_serialize(merged, &len);
    {
        int etc = bolt_mkdir_in_root(rootfd, "/etc", 0755, err);
        if (etc < 0)
            return -1;
        close(etc);
    }
    fd = bolt_open_in_root(rootfd, "/etc/ld.so.cache", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                           0644, err);
    if (fd < 0)
        return -1;
    for (const char *p = data; len;) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return bolt_err_set(err, errno, "write '%s/etc/ld.so.cache'", rootfs);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- create-symlinks ---- */

static int
one_link(int rootfd, const char *spec, struct bolt_err *err)
{
    const char *sep = strstr(spec, "::");
    cleanup_free char *target = NULL, *link = NULL, *dir = NULL;
    cleanup_close int dfd = -1;
    const char *base;
    char buf[4096];
    ssize_t n;

    if (sep == NULL || sep == spec || !sep[2] || sep[2] != '/')
        return bolt_err_set(err, 0,
                            "--link '%s': expected TARGET::LINK with an absolute LINK "
                            "(e.g. libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so)",
                            spec);
    target = xstrndup(spec, (size_t)(sep - spec));
    link = xstrdup(sep + 2);
    base = strrchr(link, '/') + 1;
    if (!*base)
        return bolt_err_set(err, 0, "--link '%s': LINK ends with '/'", spec);
    dir = xstrndup(link, (size_t)(base - link));
    dfd = bolt_mkdir_in_root(rootfd, *dir ? dir : "/", 0755, err);
    if (dfd < 0)
        return -1;
    n = readlinkat(dfd, base, buf, sizeof(buf) - 1);
    if (n >= 0) {
        buf[n] = 0;
        if (strcmp(buf, target) == 0)
            return 0;
        if (unlinkat(dfd, base, 0) < 0)
            return bolt_err_set(err, errno, "replace link '%s'", link);
    } else if (errno == EINVAL) {
        log_warn("create-symlinks: '%s' exists and is not a symlink: left alone", link);
        return 0;
    }
    if (symlinkat(target, dfd, base) < 0)
        return bolt_err_set(err, errno, "symlink '%s' -> '%s'", link, target);
    return 0;
}

int
bolt_nv_hook_create_symlinks(const char *rootfs, char *const *links, struct bolt_err *err)
{
    cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (rootfd < 0)
        return bolt_err_set(err, errno, "open rootfs '%s'", rootfs);
    for (size_t i = 0; links && links[i]; i++)
        if (one_link(rootfd, links[i], err) < 0)
            return -1;
    return 0;
}

__attribute__((hot)) int
bolt_nv_links_in_rootfs(const char *rootfs, char *const *links, char ***failed,
                        struct bolt_err *err)
{
    cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    cleanup_close int dfd = -1;
    cleanup_free char *last = NULL;

    if (rootfd < 0)
        return bolt_err_set(err, errno, "open rootfs '%s'", rootfs);
    for (size_t i = 0; links && links[i]; i++) {
        const char *sep = strstr(links[i], "::");
        cleanup_free char *target = xstrndup(links[i], (size_t)(sep - links[i]));
        const char *link = sep + 2, *base = strrchr(link, '/') + 1;
        char *dir = xstrndup(link, (size_t)(base - link));
        /* enough to tell a link to target from another: no 4 kB array, which the nvbind
         * runtime, a new process at every container start, would fault in at each */
        char buf[256];
        size_t tlen = strlen(target);
        ssize_t n;

        /* links come grouped by directory (the plan lists files so): one walk per directory */
        if (last == NULL || strcmp(last, dir) != 0) {
            if (dfd >= 0)
                close(dfd);
            /* the directories usually exist (image dirs, or links of an earlier start): one
             * openat2 of the whole path; the walk that creates them only when that fails */
            dfd = bolt_open_in_root(rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, NULL);
            if (dfd < 0)
                dfd = bolt_mkdir_in_root(rootfd, dir, 0755, NULL);
            free(last);
            last = dir;
        } else {
            free(dir);
        }
        if (dfd < 0) {
            bolt_strv_push(failed, links[i]);
            continue;
        }
        n = readlinkat(dfd, base, buf, sizeof(buf));
        if (n >= 0) {
            /* a link that fills buf may be longer than what was read: made again, as is a
             * target that does not fit (right, if slower) */
            if ((size_t)n == tlen && tlen < sizeof(buf) && memcmp(buf, target, tlen) == 0)
                continue;
            unlinkat(dfd, base, 0);
        } else if (errno != ENOENT) {
            bolt_strv_push(failed, links[i]); /* the image's own file: mounted over instead */
            continue;
        }
        if (symlinkat(target, dfd, base) < 0)
            bolt_strv_push(failed, links[i]);
    }
    return 0;
}
