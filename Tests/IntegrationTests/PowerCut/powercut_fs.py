#!/usr/bin/env python3
"""A file system for power-cut tests: it keeps what was written but never synced in memory only,
and loses it when the power is cut, as Jepsen's LazyFS does.

    powercut_fs.py --disk DIR --mount MOUNTPOINT [--cut-request FILE --report FILE]

The whole file system lives in this process's memory. DIR is the disk: at start the file system
is loaded from it, and at a power cut what had been synced is written back to it, nothing else.
Restarting this program on the same DIR is the machine booting again.

What survives a power cut, as POSIX promises and no more:
- a file's bytes as of its last fsync or fdatasync;
- a directory's entries as of its last fsync: a file created, renamed or removed since then is
  as it was before, and a file whose name never reached the disk is gone, whatever was synced
  in it.

The cut: once FILE exists (it holds the pids of the processes of the machine that loses power,
separated by spaces), the first operation that would change the file system while it holds
anything unsynced is the moment the power fails, the worst one there is: the processes are
killed with SIGKILL, the operation is not applied, the synced state is written to DIR, REPORT tells what was lost, and the program
unmounts and exits. If no operation finds anything unsynced within two seconds, the next one
after that is the moment.

Needs libfuse 2 and fusepy (Debian: python3-fusepy); run as root.
"""

import argparse
import errno
import json
import os
import shutil
import signal
import stat
import sys
import time

try:
    import fusepy as fuse  # Debian's name for it
except ImportError:
    import fuse


class File:
    def __init__(self, content=b""):
        self.data = bytearray(content)
        # What a power cut leaves: data[:synced_size] while only appends followed the last
        # sync (the journal's case, kept cheap), else the copy in `synced`.
        self.synced_size = len(content)
        self.synced = None
        self.mode = stat.S_IFREG | 0o600
        self.mtime = time.time()

    @property
    def dirty(self):
        return self.synced is not None or len(self.data) != self.synced_size

    def keep_synced_copy(self, below):
        """Before bytes under `below` change: copy what a power cut would leave, if they are synced."""
        if self.synced is None and below < self.synced_size:
            self.synced = bytes(self.data[: self.synced_size])

    def sync(self):
        self.synced, self.synced_size = None, len(self.data)

    def after_power_cut(self):
        return self.synced if self.synced is not None else bytes(self.data[: self.synced_size])


class Directory:
    def __init__(self):
        self.entries = {}
        self.synced_entries = {}
        self.mode = stat.S_IFDIR | 0o700
        self.mtime = time.time()

    @property
    def dirty(self):
        return self.entries != self.synced_entries

    def sync(self):
        self.synced_entries = dict(self.entries)


class PowerCutFS(fuse.Operations):
    use_ns = True

    def __init__(self, disk, cut_request, report):
        self.disk, self.cut_request, self.report = disk, cut_request, report
        self.root = self.load(disk)
        self.handles, self.next_handle = {}, 1
        self.victims, self.armed_at, self.power_off = None, None, False

    # ---- the disk: loaded at start, written at the cut

    @staticmethod
    def load(path):
        directory = Directory()
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if os.path.isdir(full):
                directory.entries[name] = PowerCutFS.load(full)
            else:
                with open(full, "rb") as source:
                    directory.entries[name] = File(source.read())
        directory.sync()
        return directory

    @staticmethod
    def save(directory, path):
        os.makedirs(path, exist_ok=True)
        for name, node in directory.synced_entries.items():
            if isinstance(node, Directory):
                PowerCutFS.save(node, os.path.join(path, name))
            else:
                with open(os.path.join(path, name), "wb") as target:
                    target.write(node.after_power_cut())

    # ---- the cut

    def unsynced(self):
        """What a power cut now would lose: (files, bytes, directories) with unsynced changes."""
        files = directories = size = 0
        seen, pending = set(), [self.root] + [node for node, _ in self.handles.values()]
        while pending:
            node = pending.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, Directory):
                directories += node.dirty
                pending += list(node.entries.values()) + list(node.synced_entries.values())
            elif node.dirty:
                files += 1
                size += len(node.data) - node.synced_size if node.synced is None else len(node.data)
        return files, size, directories

    def before_change(self, operation, path):
        """Called before every operation that changes something: cuts the power when it is time."""
        if self.power_off:
            raise fuse.FuseOSError(errno.EIO)
        if self.cut_request is None:
            return
        if self.victims is None:
            try:
                with open(self.cut_request) as request:
                    self.victims = [int(pid) for pid in request.read().split()]
            except (FileNotFoundError, ValueError):
                return
            self.armed_at = time.monotonic()
        files, size, directories = self.unsynced()
        late = time.monotonic() - self.armed_at > 2
        if files or directories or late:
            self.cut(operation, path, files, size, directories, "unsynced state" if files or directories else "none unsynced within 2 s")

    def cut(self, operation, path, files, size, directories, reason):
        for pid in self.victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.power_off = True
        shutil.rmtree(self.disk)
        self.save(self.root, self.disk)
        report = {"operation": operation, "path": path, "reason": reason, "unsynced_files": files, "unsynced_bytes": size,
                  "unsynced_directories": directories}
        with open(self.report + ".part", "w") as target:
            json.dump(report, target)
        os.rename(self.report + ".part", self.report)
        print(f"power cut: {report}", flush=True)
        fuse.fuse_exit()
        raise fuse.FuseOSError(errno.EIO)

    # ---- paths and handles

    def lookup(self, path):
        node = self.root
        for part in filter(None, path.split("/")):
            if not isinstance(node, Directory) or part not in node.entries:
                raise fuse.FuseOSError(errno.ENOENT)
            node = node.entries[part]
        return node

    def parent(self, path):
        head, name = os.path.split(path.rstrip("/"))
        directory = self.lookup(head)
        if not isinstance(directory, Directory):
            raise fuse.FuseOSError(errno.ENOTDIR)
        return directory, name

    def node(self, path, handle):
        return self.handles[handle][0] if handle in self.handles else self.lookup(path)

    def new_handle(self, node):
        handle, self.next_handle = self.next_handle, self.next_handle + 1
        self.handles[handle] = (node, None)
        return handle

    # ---- operations that only read

    def getattr(self, path, fh=None):
        node = self.node(path, fh)
        size = len(node.data) if isinstance(node, File) else 4096
        now = int(node.mtime * 1e9)
        return {"st_mode": node.mode, "st_nlink": 2 if isinstance(node, Directory) else 1, "st_size": size, "st_uid": os.getuid(),
                "st_gid": os.getgid(), "st_atime": now, "st_mtime": now, "st_ctime": now, "st_blocks": (size + 511) // 512}

    def readdir(self, path, fh):
        return [".", ".."] + list(self.lookup(path).entries)

    def open(self, path, flags):
        node = self.lookup(path)
        if flags & os.O_TRUNC:
            self.truncate(path, 0)
        return self.new_handle(node)

    def opendir(self, path):
        return self.new_handle(self.lookup(path))

    def read(self, path, size, offset, fh):
        return bytes(self.node(path, fh).data[offset : offset + size])

    def release(self, path, fh):
        self.handles.pop(fh, None)

    def releasedir(self, path, fh):
        self.handles.pop(fh, None)

    def flush(self, path, fh):
        pass

    def access(self, path, amode):
        self.lookup(path)

    def statfs(self, path):
        return {"f_bsize": 4096, "f_frsize": 4096, "f_blocks": 1 << 20, "f_bfree": 1 << 19, "f_bavail": 1 << 19, "f_files": 1 << 16,
                "f_ffree": 1 << 15, "f_namemax": 255}

    # ---- operations that change something

    def create(self, path, mode, fi=None):
        self.before_change("create", path)
        directory, name = self.parent(path)
        node = directory.entries.get(name)
        if node is None:
            node = directory.entries[name] = File()
            node.mode = stat.S_IFREG | (mode & 0o7777)
        return self.new_handle(node)

    def mkdir(self, path, mode):
        self.before_change("mkdir", path)
        directory, name = self.parent(path)
        if name in directory.entries:
            raise fuse.FuseOSError(errno.EEXIST)
        node = directory.entries[name] = Directory()
        node.mode = stat.S_IFDIR | (mode & 0o7777)

    def write(self, path, data, offset, fh):
        self.before_change("write", path)
        node = self.node(path, fh)
        node.keep_synced_copy(offset)
        if offset > len(node.data):
            node.data.extend(bytes(offset - len(node.data)))
        node.data[offset : offset + len(data)] = data
        node.mtime = time.time()
        return len(data)

    def truncate(self, path, length, fh=None):
        self.before_change("truncate", path)
        node = self.node(path, fh)
        node.keep_synced_copy(length)
        if length < len(node.data):
            del node.data[length:]
        else:
            node.data.extend(bytes(length - len(node.data)))

    def fsync(self, path, datasync, fh):
        self.before_change("fdatasync" if datasync else "fsync", path)
        self.node(path, fh).sync()

    def fsyncdir(self, path, datasync, fh):
        self.before_change("fsync of a directory", path)
        self.node(path, fh).sync()

    def unlink(self, path):
        self.before_change("unlink", path)
        directory, name = self.parent(path)
        if name not in directory.entries:
            raise fuse.FuseOSError(errno.ENOENT)
        del directory.entries[name]

    def rmdir(self, path):
        self.before_change("rmdir", path)
        directory, name = self.parent(path)
        node = directory.entries.get(name)
        if not isinstance(node, Directory):
            raise fuse.FuseOSError(errno.ENOTDIR)
        if node.entries:
            raise fuse.FuseOSError(errno.ENOTEMPTY)
        del directory.entries[name]

    def rename(self, old, new):
        self.before_change("rename", old)
        source, old_name = self.parent(old)
        target, new_name = self.parent(new)
        target.entries[new_name] = source.entries.pop(old_name)

    def chmod(self, path, mode):
        node = self.lookup(path)
        node.mode = (node.mode & ~0o7777) | (mode & 0o7777)

    def chown(self, path, uid, gid):
        pass

    def utimens(self, path, times=None):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disk", required=True)
    parser.add_argument("--mount", required=True)
    parser.add_argument("--cut-request")
    parser.add_argument("--report")
    args = parser.parse_args()
    # The test runner blocks signals in its threads, and a child inherits the mask: libfuse must
    # see SIGTERM to unmount.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.makedirs(args.disk, exist_ok=True)
    filesystem = PowerCutFS(args.disk, args.cut_request, args.report or f"{args.disk}.report")
    # One thread: operations apply in the order they come. Every write reaches this process
    # (no kernel caching of attributes or names, so a reloaded file system shows as it is), in
    # requests of up to 128 KiB, so that a round of messages is one write.
    fuse.FUSE(filesystem, args.mount, foreground=True, nothreads=True, big_writes=True, max_write=131072, hard_remove=True,
              attr_timeout=0, entry_timeout=0, negative_timeout=0, fsname="powercut", subtype="powercut")
    if not filesystem.power_off:
        # A clean unmount (SIGTERM) is no power cut: everything reaches the disk.
        sync_all(filesystem.root)
        shutil.rmtree(args.disk)
        filesystem.save(filesystem.root, args.disk)


def sync_all(directory):
    directory.sync()
    for child in directory.entries.values():
        child.sync() if isinstance(child, File) else sync_all(child)


if __name__ == "__main__":
    sys.exit(main())
