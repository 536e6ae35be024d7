#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for systemd's Manager D-Bus API, for systemd_cgroup.bats (no systemd runs here).

usage: systemd_mock.py STATE_DIR      (DBUS_SYSTEM_BUS_ADDRESS names the bus to own the name on)

Owns org.freedesktop.systemd1 and serves /org/freedesktop/systemd1 with the calls the cgroup
drivers of runc/crun/nvbind/podman make: Subscribe, Unsubscribe, GetUnit, StartTransientUnit,
StopUnit, and the JobRemoved/UnitRemoved signals. Like systemd it creates a scope's cgroup at
the expanded slice path in the hierarchies systemd manages itself (the name=systemd v1
hierarchy and the cgroup2 mount in hybrid mode; the cgroup2 mount alone on a pure v2 host),
moves the PIDs there, answers a job path and then emits JobRemoved(result "done"), refuses an
existing unit (UnitExists), and removes the scope on StopUnit or when its last process is
gone. Every call is appended to STATE_DIR/calls.jsonl with its properties and their D-Bus
types. STATE_DIR/job-result, when present, holds the result the next start job reports
instead of "done" (the unit then does not come up), or "never": no JobRemoved at all.
STATE_DIR/ready appears once the name is owned. SIGTERM stops every unit left and removes
the slice directories the mock made.
"""
import json
import os
import signal
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.systemd1.Manager"
PATH = "/org/freedesktop/systemd1"


class UnitExists(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.systemd1.UnitExists"


class NoSuchUnit(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.systemd1.NoSuchUnit"


class InvalidArgs(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.DBus.Error.InvalidArgs"


def hierarchies():
    """The mounts systemd manages itself: name=systemd (v1) and the cgroup2 mount."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, mnt, opts = fields[sep + 1], fields[4], fields[sep + 3]
            if not mnt.startswith("/sys/fs/cgroup"):
                continue
            if fstype == "cgroup2" or (fstype == "cgroup" and "name=systemd" in opts.split(",")):
                out.append(mnt)
    return out


def expand_slice(name):
    if not name.endswith(".slice") or "/" in name:
        raise InvalidArgs("Invalid slice name %s" % name)
    if name == "-.slice":
        return ""
    base = name[: -len(".slice")]
    parts = base.split("-")
    if "" in parts:
        raise InvalidArgs("Invalid slice name %s" % name)
    return "".join("/" + "-".join(parts[: i + 1]) + ".slice" for i in range(len(parts)))


def plain(v):
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Array, list)):
        return [plain(x) for x in v]
    if isinstance(v, (dbus.Struct, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dbus.Dictionary):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (dbus.String, dbus.ObjectPath, str)):
        return str(v)
    if isinstance(v, (int, float)):
        return int(v) if isinstance(v, int) else float(v)
    return repr(v)


def dbus_type(v):
    if isinstance(v, dbus.Array):
        return "a" + (v.signature or "?")
    return type(v).__name__


class Manager(dbus.service.Object):
    def __init__(self, bus, state):
        super().__init__(bus, PATH)
        self.state = state
        self.units = {}  # name -> {"dirs": [...], "watch": bool}
        self.made_slices = []  # slice directories this mock created (to remove at exit)
        self.job_id = 0
        self.hiers = hierarchies()
        GLib.timeout_add(100, self.reap)

    def record(self, entry):
        with open(os.path.join(self.state, "calls.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")

    def new_job(self, unit, result):
        self.job_id += 1
        job = dbus.ObjectPath("%s/job/%d" % (PATH, self.job_id))
        jid = self.job_id
        # systemd finishes the job after it has answered the call
        GLib.idle_add(lambda: (self.JobRemoved(dbus.UInt32(jid), job, unit, result), False)[1])
        return job

    @dbus.service.method(IFACE, in_signature="", out_signature="")
    def Subscribe(self):
        self.record({"method": "Subscribe"})

    @dbus.service.method(IFACE, in_signature="", out_signature="")
    def Unsubscribe(self):
        self.record({"method": "Unsubscribe"})

    @dbus.service.method(IFACE, in_signature="s", out_signature="o")
    def GetUnit(self, name):
        self.record({"method": "GetUnit", "name": str(name)})
        if name not in self.units:
            raise NoSuchUnit("Unit %s not loaded." % name)
        return dbus.ObjectPath(PATH + "/unit/" + "".join(c if c.isalnum() else "_" for c in name))

    def mkdirs(self, mount, rel):
        cur = mount
        comps = [c for c in rel.split("/") if c]
        for i, c in enumerate(comps):
            parent, cur = cur, cur + "/" + c
            if os.path.basename(parent) and os.path.exists(parent + "/cgroup.subtree_control"):
                # Delegate: the controllers available are enabled down the path
                try:
                    with open(parent + "/cgroup.controllers") as f:
                        ctl = f.read().split()
                    for x in ctl:
                        with open(parent + "/cgroup.subtree_control", "w") as f:
                            f.write("+" + x)
                except OSError:
                    pass
            if not os.path.isdir(cur):
                os.mkdir(cur)
                if i < len(comps) - 1:
                    self.made_slices.append(cur)

    @dbus.service.method(IFACE, in_signature="ssa(sv)a(sa(sv))", out_signature="o")
    def StartTransientUnit(self, name, mode, props, aux):
        name = str(name)
        p = {str(k): plain(v) for k, v in props}
        self.record({"method": "StartTransientUnit", "name": name, "mode": str(mode),
                     "properties": p, "types": {str(k): dbus_type(v) for k, v in props},
                     "aux": plain(aux)})
        if name in self.units:
            raise UnitExists("Unit %s already exists." % name)
        if not (name.endswith(".scope") or name.endswith(".slice")):
            raise InvalidArgs("Unit type not supported for transient units: %s" % name)
        pids = [int(x) for x in p.get("PIDs", [])]
        if name.endswith(".scope") and not pids:
            raise InvalidArgs("No PIDs specified for scope %s" % name)
        result_file = os.path.join(self.state, "job-result")
        if os.path.exists(result_file):
            with open(result_file) as f:
                result = f.read().strip()
            os.unlink(result_file)
            if result == "never":  # a job that hangs: the unit is loaded, JobRemoved never comes
                self.units[name] = {"dirs": [], "watch": False}
                self.job_id += 1
                return dbus.ObjectPath("%s/job/%d" % (PATH, self.job_id))
            return self.new_job(name, result)
        if name.endswith(".slice"):
            rel = expand_slice(name)
        else:
            rel = expand_slice(p.get("Slice", "system.slice")) + "/" + name
        dirs = []
        for m in self.hiers:
            self.mkdirs(m, rel)
            dirs.append(m + rel)
        for d in dirs:
            for pid in pids:
                try:
                    with open(d + "/cgroup.procs", "w") as f:
                        f.write(str(pid))
                except OSError as e:
                    raise InvalidArgs("Failed to move PID %d to %s: %s" % (pid, d, e))
        self.units[name] = {"dirs": dirs, "watch": bool(pids)}
        return self.new_job(name, "done")

    def remove(self, name, why):
        u = self.units.pop(name)
        for d in u["dirs"]:
            for _ in range(100):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
        self.record({"event": "removed", "name": name, "why": why})
        self.UnitRemoved(name, dbus.ObjectPath(PATH + "/unit/x"))

    def procs(self, name):
        out = []
        for d in self.units[name]["dirs"]:
            try:
                with open(d + "/cgroup.procs") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
        return out

    @dbus.service.method(IFACE, in_signature="ss", out_signature="o")
    def StopUnit(self, name, mode):
        name = str(name)
        self.record({"method": "StopUnit", "name": name, "mode": str(mode)})
        if name not in self.units:
            raise NoSuchUnit("Unit %s not loaded." % name)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.procs(name):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            for _ in range(100):
                if not self.procs(name):
                    break
                time.sleep(0.01)
        self.remove(name, "stop")
        return self.new_job(name, "done")

    def reap(self):
        """A scope whose last process is gone is stopped (systemd does the same)."""
        for name in list(self.units):
            if self.units[name]["watch"] and not self.procs(name):
                self.remove(name, "empty")
        return True

    def shutdown(self):
        for name in list(self.units):
            for pid in self.procs(name):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.remove(name, "mock exit")
        for d in sorted(self.made_slices, key=len, reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass

    @dbus.service.signal(IFACE, signature="uoss")
    def JobRemoved(self, id, job, unit, result):
        pass

    @dbus.service.signal(IFACE, signature="so")
    def UnitRemoved(self, unit, path):
        pass


def main():
    state = sys.argv[1]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    mgr = Manager(bus, state)
    name = dbus.service.BusName("org.freedesktop.systemd1", bus, do_not_queue=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, lambda: (loop.quit(), False)[1])
    open(os.path.join(state, "ready"), "w").close()
    loop.run()
    mgr.shutdown()
    del name


if __name__ == "__main__":
    main()
