"""release.archives: each build leg packs its released binaries and the listed files into one
byte-reproducible archive (docs/release.md), with a small Go program (standard library only, run
with the leg's own Go, offline) written to a temporary directory, never into the work tree.

Reproducible means the same bytes from the same commit on any runner with the same Go release:
entries sorted by name with their parent directories, every time the commit's time, uid and gid 0
with no user or group names, modes 0755 (directories and executable files) or 0644, and a gzip
stream without a file name or time (https://www.rfc-editor.org/rfc/rfc1952#section-2.3.1);
zip entries stored with the same time, in UTC.
"""

from __future__ import annotations

from typing import Final

# Indented with spaces, not tabs (a YAML literal block cannot start with a tab), lines short
# (see scripts_report.REPORT_PROGRAM).
ARCHIVE_PROGRAM: Final = """\
// ciforge's archiver: a reproducible tar.gz or zip of the given files.
//   -o OUT -mtime UNIX [-prefix DIR] [-binary SRC=NAME]... [-tracked PATH]... [-built PATH]...
// -tracked: the files git tracks under PATH; -built: every file under PATH.
package main

import (
    "archive/tar"
    "archive/zip"
    "compress/flate"
    "compress/gzip"
    "flag"
    "fmt"
    "io"
    "io/fs"
    "os"
    "os/exec"
    "path"
    "path/filepath"
    "sort"
    "strings"
    "time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

type entry struct{ src, name string }

func fail(format string, args ...any) {
    fmt.Fprintf(os.Stderr, "archive: "+format+"\\n", args...)
    os.Exit(1)
}

func tracked(p string) []entry {
    out, err := exec.Command("git", "ls-files", "-z", "--", p).Output()
    if err != nil {
        fail("git ls-files %s: %v", p, err)
    }
    var found []entry
    for _, f := range strings.Split(string(out), "\\x00") {
        if f != "" {
            found = append(found, entry{f, f})
        }
    }
    if len(found) == 0 {
        fail("%s: no file of the repository (release.archives.files)", p)
    }
    return found
}

func built(p string) []entry {
    var found []entry
    err := filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
        if err != nil {
            return err
        }
        if d.Type()&fs.ModeSymlink != 0 {
            return fmt.Errorf("%s is a symbolic link", f)
        }
        if d.Type().IsRegular() {
            found = append(found, entry{f, filepath.ToSlash(f)})
        }
        return nil
    })
    if err != nil {
        fail("%s: %v (release.archives.files-from-build)", p, err)
    }
    if len(found) == 0 {
        fail("%s: no file (release.archives.files-from-build)", p)
    }
    return found
}

func mode(src string) int64 {
    info, err := os.Lstat(src)
    if err != nil {
        fail("%v", err)
    }
    if !info.Mode().IsRegular() {
        fail("%s is not a regular file", src)
    }
    if info.Mode()&0o111 != 0 {
        return 0o755
    }
    return 0o644
}

type writer interface {
    dir(name string)
    file(name string, mode int64, src string)
    close()
}

type tarWriter struct {
    gz  *gzip.Writer
    tw  *tar.Writer
    mod time.Time
}

func (w *tarWriter) dir(name string) {
    h := &tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, ModTime: w.mod}
    if err := w.tw.WriteHeader(h); err != nil {
        fail("%v", err)
    }
}

func (w *tarWriter) file(name string, mode int64, src string) {
    data, err := os.ReadFile(src)
    if err != nil {
        fail("%v", err)
    }
    h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: w.mod}
    if err := w.tw.WriteHeader(h); err != nil {
        fail("%v", err)
    }
    if _, err := w.tw.Write(data); err != nil {
        fail("%v", err)
    }
}

func (w *tarWriter) close() {
    if err := w.tw.Close(); err != nil {
        fail("%v", err)
    }
    if err := w.gz.Close(); err != nil {
        fail("%v", err)
    }
}

type zipWriter struct {
    zw  *zip.Writer
    mod time.Time
}

func (w *zipWriter) dir(name string) {
    h := &zip.FileHeader{Name: name + "/", Method: zip.Store, Modified: w.mod}
    h.SetMode(fs.ModeDir | 0o755)
    if _, err := w.zw.CreateHeader(h); err != nil {
        fail("%v", err)
    }
}

func (w *zipWriter) file(name string, mode int64, src string) {
    h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: w.mod}
    h.SetMode(fs.FileMode(mode))
    out, err := w.zw.CreateHeader(h)
    if err != nil {
        fail("%v", err)
    }
    in, err := os.Open(src)
    if err != nil {
        fail("%v", err)
    }
    defer in.Close()
    if _, err := io.Copy(out, in); err != nil {
        fail("%v", err)
    }
}

func (w *zipWriter) close() {
    if err := w.zw.Close(); err != nil {
        fail("%v", err)
    }
}

func main() {
    var binaries, trackedPaths, builtPaths list
    out := flag.String("o", "", "the archive (.tar.gz or .zip)")
    mtime := flag.Int64("mtime", 0, "every entry's time (Unix seconds)")
    prefix := flag.String("prefix", "", "a top-level directory for every entry")
    flag.Var(&binaries, "binary", "SRC=NAME")
    flag.Var(&trackedPaths, "tracked", "a path of the repository")
    flag.Var(&builtPaths, "built", "a path the build made")
    flag.Parse()
    var entries []entry
    for _, b := range binaries {
        src, name, _ := strings.Cut(b, "=")
        entries = append(entries, entry{src, name})
    }
    for _, p := range trackedPaths {
        entries = append(entries, tracked(p)...)
    }
    for _, p := range builtPaths {
        entries = append(entries, built(p)...)
    }
    byName := map[string]entry{}
    dirs := map[string]bool{}
    for _, e := range entries {
        name := path.Clean(e.name)
        if *prefix != "" {
            name = *prefix + "/" + name
        }
        if other, seen := byName[name]; seen && other.src != e.src {
            fail("two files would be %s: %s and %s", name, other.src, e.src)
        }
        byName[name] = e
        for d := path.Dir(name); d != "."; d = path.Dir(d) {
            dirs[d] = true
        }
    }
    var names []string
    for name := range byName {
        names = append(names, name)
    }
    for d := range dirs {
        names = append(names, d+"/")
    }
    sort.Strings(names)
    f, err := os.Create(*out)
    if err != nil {
        fail("%v", err)
    }
    mod := time.Unix(*mtime, 0).UTC()
    var w writer
    if strings.HasSuffix(*out, ".zip") {
        w = &zipWriter{zip.NewWriter(f), mod}
    } else {
        gz, err := gzip.NewWriterLevel(f, flate.BestCompression)
        if err != nil {
            fail("%v", err)
        }
        w = &tarWriter{gz, tar.NewWriter(gz), mod}
    }
    for _, name := range names {
        if strings.HasSuffix(name, "/") {
            w.dir(strings.TrimSuffix(name, "/"))
            continue
        }
        e := byName[name]
        w.file(name, mode(e.src), e.src)
    }
    w.close()
    if err := f.Close(); err != nil {
        fail("%v", err)
    }
    fmt.Printf("archive: %s (%d files)\\n", *out, len(byName))
}
"""


def archive_lines() -> list[str]:
    """Pack this leg's archive (ARCHIVE, its name with {version}) into ``dist/build-<leg>/``:
    the released binaries (RELEASED), the repository's files (ARCHIVE_FILES, tracked ones only)
    and the build's own (ARCHIVE_BUILT), in a top-level directory named like the archive when
    ARCHIVE_WRAP is true. Needs ``version`` and ``ext`` from the lines before it."""
    return [
        'archive_name="$(printf \'%s\\n\' "$ARCHIVE" | sed -e "s|{version}|$version|g")"',
        'archiver="$(mktemp -d)/archive.go"',
        "cat > \"$archiver\" <<'GO'",
        ARCHIVE_PROGRAM.rstrip("\n"),
        "GO",
        "set --",
        'for name in $RELEASED; do set -- "$@" -binary "dist/build-${BUILD_LEG}/${name}${ext}=${name}${ext}"; done',
        'for file in $ARCHIVE_FILES; do set -- "$@" -tracked "$file"; done',
        'for file in $ARCHIVE_BUILT; do set -- "$@" -built "$file"; done',
        'stem="${archive_name%.tar.gz}"',
        'if [ "$ARCHIVE_WRAP" = true ]; then set -- "$@" -prefix "${stem%.zip}"; fi',
        # the archiver runs here: built for this runner, not for the leg's target
        "GOOS='' GOARCH='' GOARM='' GOAMD64='' GO386='' GOARM64='' GORISCV64='' GOMIPS='' GOMIPS64='' CGO_ENABLED=0 \\",
        '  go run "$archiver" -o "dist/build-${BUILD_LEG}/${archive_name}" \\',
        '    -mtime "$(git log -1 --format=%ct)" "$@"',
        'sha256sum "dist/build-${BUILD_LEG}/${archive_name}"',
    ]
