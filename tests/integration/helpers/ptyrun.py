#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Run a command on a fresh pty sized 30x90, resize it to 44x120 after 1 s, print what the
# command wrote and "EXIT <status>". Used by engine*.bats for -it tests.
import os, pty, sys, time, fcntl, termios, struct, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 90, 0, 0))
out = b''
t0 = time.time(); resized = False
while True:
    if not resized and time.time() - t0 > 1.0:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 44, 120, 0, 0)); resized = True
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d: break
        out += d
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
print("EXIT", os.waitstatus_to_exitcode(st))
