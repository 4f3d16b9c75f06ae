#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/cli.sh CKPT MKIMAGE [FAKE_DEV] - end-to-end tests of the ckpt
# command on the host, through the built binary: keygen, encrypt, decrypt
# and info on synthetic images (MKIMAGE writes them), exit codes, and the
# rule that a failed run leaves no output behind.  TAP on standard output.
#
# Nothing here needs ckpt.ko.  With FAKE_DEV (tests/fake_dev.so), preloaded
# as a stand-in for /dev/checkpoint, `ckpt checkpoint` runs all of its own
# code: the ioctl thread, the pipe, validation, errors, interruption.

set -u

CKPT=${1:?usage: cli.sh CKPT MKIMAGE}
MKIMAGE=${2:?usage: cli.sh CKPT MKIMAGE}
FAKE=${3:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/ckpt-cli-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
umask 022

# ---------------------------------------------------------------- helpers

# run CMD...: run it, keeping its exit status in $rc, stdout in $T/out,
# stderr in $T/err.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

diag() {
	sed 's/^/# /' "$@"
}

# expect CODE CMD...: run CMD, which must exit with CODE.
expect() {
	want=$1
	shift
	run "$@"
	[ "$rc" -eq "$want" ] && return 0
	echo "# expected exit $want, got $rc: $*"
	diag "$T/err"
	return 1
}

# has FILE TEXT: FILE has a line containing TEXT (a fixed string).
has() {
	grep -qF -- "$2" "$1" && return 0
	echo "# '$2' not in $1:"
	diag "$1"
	return 1
}

# no_leftovers DIR: no temporary output files in DIR.
no_leftovers() {
	left=$(find "$1" -name '.*.ckpt-*' | head -n 1)
	[ -z "$left" ] && return 0
	echo "# left behind: $left"
	return 1
}

# flip FILE OFFSET: change the byte at OFFSET.
flip() {
	old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	new=$(( (old + 1) % 256 ))
	printf "$(printf '\\%03o' "$new")" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

size() {
	wc -c <"$1" | tr -d ' '
}

mode() {
	stat -c %a "$1"
}

# skip REASON: the test cannot run here.
skip() {
	skip_reason=$1
	return 77
}

# fake VAR=VALUE... CMD...: run CMD with the stand-in for /dev/checkpoint.
fake() {
	env LD_PRELOAD="$FAKE" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$@"
}

# ---------------------------------------------------------------- fixtures

setup() {
	"$MKIMAGE" "$T/plain.img" || exit 1
	"$MKIMAGE" "$T/big.img" 2500 || exit 1
	"$MKIMAGE" --more-files "$T/files.img" || exit 1
	"$CKPT" keygen -o "$T/id" >"$T/id.pub" 2>/dev/null || exit 1
	"$CKPT" keygen -o "$T/id2" >"$T/id2.pub" 2>/dev/null || exit 1
	"$CKPT" keygen -o "$T/other" >/dev/null 2>&1 || exit 1
	"$CKPT" keygen --symmetric -o "$T/sym" || exit 1
	"$CKPT" keygen --symmetric -o "$T/sym2" || exit 1
	printf 'correct horse battery\n' >"$T/pw"
	printf 'wrong horse battery\n' >"$T/pw2"
	chmod 600 "$T/pw" "$T/pw2"
	cp "$T/plain.img" "$T/bad.img"
	flip "$T/bad.img" 5032	# CKPT_HDR_VMA record 18 (at 5024): start
	R=$(cat "$T/id.pub")
	R2=$(cat "$T/id2.pub")
	"$CKPT" encrypt -r "$R" -o "$T/enc" "$T/plain.img" || exit 1
}

# ---------------------------------------------------------------- keygen

t_keygen_writes_a_0600_identity_and_prints_its_recipient() {
	expect 0 "$CKPT" keygen -o "$T/k1" || return 1
	grep -qE '^ckpt1[A-Za-z0-9_-]{43}$' "$T/out" || { diag "$T/out"; return 1; }
	[ "$(wc -l <"$T/out")" -eq 1 ] || return 1
	[ "$(mode "$T/k1")" = 600 ] || { echo "# mode $(mode "$T/k1")"; return 1; }
	sed -n 1p "$T/k1" | grep -qE '^# created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' || return 1
	[ "$(sed -n 2p "$T/k1")" = "# public key: $(cat "$T/out")" ] || return 1
	sed -n 3p "$T/k1" | grep -qE '^CKPT-SECRET-KEY-1[A-Za-z0-9_-]{43}$' || return 1
	[ "$(wc -l <"$T/k1")" -eq 3 ]
}

t_keygen_refuses_to_overwrite_a_key() {
	cp "$T/id" "$T/id.copy"
	expect 1 "$CKPT" keygen -o "$T/id" || return 1
	has "$T/err" "ckpt: error: $T/id: already exists: refusing to overwrite it" || return 1
	cmp -s "$T/id" "$T/id.copy"
}

t_keygen_y_prints_the_recipient_of_an_identity() {
	expect 0 "$CKPT" keygen -y "$T/id" || return 1
	[ "$(cat "$T/out")" = "$R" ]
}

t_keygen_symmetric_writes_a_0600_key_file() {
	expect 0 "$CKPT" keygen --symmetric -o "$T/k2" || return 1
	[ "$(mode "$T/k2")" = 600 ] || return 1
	sed -n 2p "$T/k2" | grep -qE '^# key id: [0-9a-f]{16}$' || return 1
	sed -n 3p "$T/k2" | grep -qE '^CKPT-SYMMETRIC-KEY-1[A-Za-z0-9_-]{43}$'
}

t_a_readable_identity_gives_a_warning() {
	cp "$T/id" "$T/id.open"
	chmod 644 "$T/id.open"
	expect 0 "$CKPT" keygen -y "$T/id.open" || return 1
	has "$T/err" "ckpt: warning: $T/id.open is readable by others"
}

# ---------------------------------------------------------------- round trips

t_encrypt_writes_a_0600_container_that_decrypts_to_the_image() {
	[ "$(head -c 8 "$T/enc" | od -An -c | tr -s ' ')" = ' 177 C K P T E N C' ] || return 1
	[ "$(mode "$T/enc")" = 600 ] || return 1
	expect 0 "$CKPT" decrypt -i "$T/id" -o "$T/dec" "$T/enc" || return 1
	cmp "$T/dec" "$T/plain.img" && [ "$(mode "$T/dec")" = 600 ]
}

t_each_of_two_recipients_decrypts() {
	echo "$R2" >"$T/rcpts"
	expect 0 "$CKPT" encrypt -r "$R" -R "$T/rcpts" -o "$T/enc2" "$T/plain.img" || return 1
	expect 0 "$CKPT" decrypt -i "$T/id" -o "$T/d1" "$T/enc2" || return 1
	expect 0 "$CKPT" decrypt -i "$T/id2" -o "$T/d2" "$T/enc2" || return 1
	cmp "$T/d1" "$T/plain.img" && cmp "$T/d2" "$T/plain.img"
}

t_symmetric_key_round_trip_and_wrong_key_exit_3() {
	expect 0 "$CKPT" encrypt -k "$T/sym" -o "$T/encs" "$T/plain.img" || return 1
	expect 0 "$CKPT" decrypt -k "$T/sym" -o "$T/ds" "$T/encs" || return 1
	cmp "$T/ds" "$T/plain.img" || return 1
	expect 3 "$CKPT" decrypt -k "$T/sym2" -o "$T/ds2" "$T/encs" || return 1
	has "$T/err" "wrong key" && [ ! -e "$T/ds2" ]
}

t_passphrase_file_round_trip_and_wrong_passphrase_exit_3() {
	expect 0 "$CKPT" encrypt --passphrase-file "$T/pw" -o "$T/encp" "$T/plain.img" || return 1
	expect 0 "$CKPT" decrypt --passphrase-file "$T/pw" -o "$T/dp" "$T/encp" || return 1
	cmp "$T/dp" "$T/plain.img" || return 1
	expect 3 "$CKPT" decrypt --passphrase-file "$T/pw2" -o "$T/dp2" "$T/encp" || return 1
	has "$T/err" "wrong passphrase" && [ ! -e "$T/dp2" ]
}

t_a_big_image_of_many_chunks_round_trips() {
	expect 0 "$CKPT" encrypt -r "$R" -o "$T/bige" "$T/big.img" || return 1
	expect 0 "$CKPT" decrypt -i "$T/id" -o - "$T/bige" || return 1
	cmp "$T/out" "$T/big.img"
}

t_standard_input_and_output_work() {
	"$CKPT" decrypt -i "$T/id" -o - - <"$T/enc" | cmp - "$T/plain.img" || return 1
	"$CKPT" encrypt -r "$R" -o - - <"$T/plain.img" >"$T/enc.pipe" || return 1
	expect 0 "$CKPT" info -i "$T/id" - <"$T/enc.pipe" || return 1
	has "$T/out" "file:        standard input (encrypted"
}

# ---------------------------------------------------------------- info

t_info_describes_plain_and_encrypted_images() {
	expect 0 "$CKPT" info "$T/plain.img" || return 1
	has "$T/out" "file:        $T/plain.img (plaintext)" || return 1
	has "$T/out" 'task:        pid 4242, comm "sleeper"' || return 1
	has "$T/out" "memory map:  6 VMAs" || return 1
	has "$T/out" "273 pages saved" || return 1
	expect 0 "$CKPT" info -i "$T/id" "$T/enc" || return 1
	has "$T/out" "encryption:  1 recipient, key ids" || return 1
	has "$T/out" "tail:        29 records, 6 VMAs, 273 pages"
}

t_info_lists_the_open_descriptors() {
	expect 0 "$CKPT" info "$T/plain.img" || return 1
	# After the signals, before the pipes.
	sed -n '/^pending:/,/^pipes:/p' "$T/out" >"$T/files.txt"
	[ "$(wc -l <"$T/files.txt")" -eq 13 ] || { diag "$T/out"; return 1; }
	sed -n '/^files:/,/^pipes:/p' "$T/out" >"$T/files.txt"
	[ "$(wc -l <"$T/files.txt")" -eq 9 ] || { diag "$T/out"; return 1; }
	has "$T/files.txt" "files:       6 open descriptors of 5 files" || return 1
	has "$T/files.txt" "     FD FILE FLAGS   TYPE ACCESS                    POS  NAME" || return 1
	has "$T/files.txt" "      0    0 -       chr  r                           0  /dev/null" || return 1
	has "$T/files.txt" "      1    1 -       fifo w,nonblock                  0  pipe:[1234]" || return 1
	has "$T/files.txt" "      2    2 cloexec chr  rw,append                   0  /dev/pts/0" || return 1
	has "$T/files.txt" "      3    3 -       fifo r                           0  pipe:[777]" || return 1
	has "$T/files.txt" "      4    4 -       fifo w                           0  pipe:[777]" || return 1
	# fd 5 is a dup() of fd 4: the same open file.
	has "$T/files.txt" "      5    4 cloexec fifo w                           0  pipe:[777]"
}

t_info_shows_the_pipes_and_the_descriptors_of_their_ends() {
	expect 0 "$CKPT" info "$T/plain.img" || return 1
	# After the files, before the mm; pipe:[1234] at fd 1 is not saved.
	sed -n '/^pipes:/,/^mm:/p' "$T/out" >"$T/pipes.txt"
	[ "$(wc -l <"$T/pipes.txt")" -eq 4 ] || { diag "$T/out"; return 1; }
	has "$T/pipes.txt" "pipes:       1 pipe, 12 bytes buffered" || return 1
	has "$T/pipes.txt" "          ID       SIZE   BUFFERED  READ FDS   WRITE FDS" || return 1
	has "$T/pipes.txt" "         777      65536         12  3          4,5" || return 1
	# Its data is not shown.
	! grep -q "hello, pipe" "$T/out" || { echo "# the pipe's data is shown"; return 1; }
	"$MKIMAGE" --more-files --second-pipe "$T/pipes.img" || return 1
	expect 0 "$CKPT" info "$T/pipes.img" || return 1
	has "$T/out" "pipes:       2 pipes, 12 bytes buffered" || return 1
	has "$T/out" "         777      65536         12  3          4,5" || return 1
	has "$T/out" "         900      16384          0  200        201" || return 1
	has "$T/out" "tail:        40 records, 6 VMAs, 273 pages" || return 1
	command -v jq >/dev/null 2>&1 || { skip "no jq for --json"; return; }
	expect 0 "$CKPT" info --json "$T/plain.img" || return 1
	[ "$(jq -c '.pipes' "$T/out")" = '[{"id":777,"size":65536,"bytes":12,"read_fds":[3],"write_fds":[4,5]}]' ] ||
		{ jq -c '.pipes' "$T/out" | diag; return 1; }
	[ "$(jq -c '.totals | [.pipes, .pipe_bytes]' "$T/out")" = '[1,12]' ] || return 1
	expect 0 "$CKPT" info --json "$T/pipes.img" || return 1
	[ "$(jq -c '[.pipes[] | [.id, .size, .bytes, .read_fds, .write_fds]]' "$T/out")" = '[[777,65536,12,[3],[4,5]],[900,16384,0,[200],[201]]]' ] ||
		{ jq -c '.pipes' "$T/out" | diag; return 1; }
}

t_info_shows_the_task_settings_fs_signals_and_auxv() {
	expect 0 "$CKPT" info "$T/plain.img" || return 1
	has "$T/out" "settings:    parent-death signal SIGTERM (15), no_new_privs" || return 1
	has "$T/out" "limits:      9 of 16 limited, the others unlimited" || return 1
	has "$T/out" "  RLIMIT_STACK                   8388608            unlimited" || return 1
	has "$T/out" "  RLIMIT_NOFILE                     1024               524288" || return 1
	! grep -q "RLIMIT_CPU" "$T/out" || { echo "# an unlimited limit is shown"; return 1; }
	has "$T/out" "fs:          cwd /home/user, umask 0022" || return 1
	has "$T/out" "signals:     blocked 0xa00 (SIGUSR1 SIGUSR2)" || return 1
	has "$T/out" "altstack:    0x7f0000200000, 16384 bytes, autodisarm" || return 1
	has "$T/out" "handlers:    3 signals not at their default" || return 1
	has "$T/out" "    2 SIGINT       0x401500         siginfo,restorer,onstack,restart   0x4000 (SIGTERM)" || return 1
	has "$T/out" "   13 SIGPIPE      SIG_IGN          restorer                           0x0" || return 1
	has "$T/out" "   15 SIGTERM      0x401540         restorer,resethand                 0x0" || return 1
	[ "$(sed -n '/^handlers:/,/^pending:/p' "$T/out" | wc -l)" -eq 6 ] || { diag "$T/out"; return 1; }
	has "$T/out" "pending:     2 signals" || return 1
	has "$T/out" "   10 SIGUSR1      private  SI_TKILL             4000     1000" || return 1
	has "$T/out" "   12 SIGUSR2      shared   SI_USER              4001     1000" || return 1
	has "$T/out" "auxv:        14 entries, AT_ENTRY 0x401000, AT_PHDR 0x400040, AT_RANDOM 0x7ffc00020f79"
}

t_info_shows_descriptors_of_every_kind_with_names_escaped() {
	expect 0 "$CKPT" info "$T/files.img" || return 1
	has "$T/out" "files:       14 open descriptors of 13 files" || return 1
	has "$T/out" "      6    5 cloexec file rw,append               12345  /home/user/notes.txt" || return 1
	has "$T/out" "      7    6 cloexec dir  r                           0  /tmp" || return 1
	has "$T/out" "      8    7 -       sock rw,nonblock                 0  socket:[5678]" || return 1
	has "$T/out" "      9    8 -       blk  r                           0  /dev/sda" || return 1
	has "$T/out" "     10    9 cloexec ?    rw,nonblock                 0  anon_inode:[eventfd]" || return 1
	has "$T/out" "     11   10 -       link path                        0  /usr/lib/libc.so" || return 1
	has "$T/out" "     12   11 -       file w                  1099511627776  /tmp/\\033[31mred\\012name" || return 1
	has "$T/out" "    100   12 -       chr  -,nonblock                  0  /dev/ttyS0" || return 1
	# No raw escape or newline of a name reaches the terminal.
	! grep -q "$(printf '\033')" "$T/out" || { echo "# a raw ESC in the output"; return 1; }
	has "$T/out" "tail:        37 records, 6 VMAs, 273 pages" || return 1
	# The descriptors are not part of the memory map.
	expect 0 "$CKPT" info --maps "$T/files.img" || return 1
	cp "$T/out" "$T/maps.files"
	expect 0 "$CKPT" info --maps "$T/plain.img" || return 1
	cmp "$T/out" "$T/maps.files"
}

t_info_maps_prints_proc_pid_maps_lines() {
	expect 0 "$CKPT" info --maps "$T/plain.img" || return 1
	cp "$T/out" "$T/maps.plain"
	[ "$(wc -l <"$T/maps.plain")" -eq 6 ] || return 1
	has "$T/maps.plain" "00600000-00610000 rw-p 00000000 00:00 0                                  [heap]" || return 1
	has "$T/maps.plain" "00402000-00404000 rw-p 00001000 08:01 131077                             /usr/bin/sleeper" || return 1
	grep -qxF "7f0000000000-7f000011a000 rw-p 00000000 00:00 0 " "$T/maps.plain" || return 1
	expect 0 "$CKPT" info --maps -i "$T/id" "$T/enc" || return 1
	cmp "$T/out" "$T/maps.plain"
}

t_info_json_is_one_valid_object() {
	expect 0 "$CKPT" info --json "$T/plain.img" || return 1
	[ "$(wc -l <"$T/out")" -eq 1 ] || return 1
	if command -v jq >/dev/null 2>&1; then
		[ "$(jq '.vmas | length' "$T/out")" = 6 ] || return 1
		[ "$(jq -r '.vmas[2].name' "$T/out")" = "[heap]" ] || return 1
		[ "$(jq -r '.vmas[1].dev' "$T/out")" = "08:01" ] || return 1
		[ "$(jq '.totals.saved_pages' "$T/out")" = 273 ] || return 1
		[ "$(jq -r '.task.syscall_name' "$T/out")" = clock_nanosleep ] || return 1
		[ "$(jq '.files | length' "$T/out")" = 6 ] || return 1
		[ "$(jq '.totals.files' "$T/out")" = 6 ] || return 1
		[ "$(jq '.totals.open_files' "$T/out")" = 5 ] || return 1
		[ "$(jq -c '[.files[].fd]' "$T/out")" = '[0,1,2,3,4,5]' ] || return 1
		[ "$(jq -c '[.files[].file_id]' "$T/out")" = '[0,1,2,3,4,4]' ] || return 1
		[ "$(jq -c '.files[1]' "$T/out")" = '{"fd":1,"file_id":1,"fd_flags":"0x0","cloexec":false,"f_flags":"0x801","access":"w","open_flags":["nonblock"],"mode":"010600","type":"fifo","pos":0,"dev":"00:0d","inode":1234,"rdev":"00:00","size":0,"mtime_sec":1764185000,"mtime_nsec":123456789,"name":"pipe:[1234]","deleted":false}' ] ||
			{ jq -c '.files[1]' "$T/out" | diag; return 1; }
		[ "$(jq -r '.files[2] | [.cloexec, .access, .type, .name, .rdev] | join(" ")' "$T/out")" = "true rw chr /dev/pts/0 88:00" ] || return 1
		expect 0 "$CKPT" info --json "$T/files.img" || return 1
		[ "$(jq '.files | length' "$T/out")" = 14 ] || return 1
		[ "$(jq -r '.files[12].name' "$T/out")" = "$(printf '/tmp/\033[31mred\nname')" ] || return 1
		[ "$(jq -r '.files[6] | "\(.pos) \(.size) \(.mode) \(.dev)"' "$T/out")" = "12345 20000 0100644 08:01" ] || return 1
		[ "$(jq -r '.files[11] | "\(.access) \(.type) \(.open_flags | join(","))"' "$T/out")" = "path link nofollow,path" ]
	elif command -v python3 >/dev/null 2>&1; then
		python3 -m json.tool "$T/out" >/dev/null
	else
		echo "# neither jq nor python3: structure not checked"
	fi
}

t_info_json_has_the_settings_signals_pending_signals_and_auxv() {
	command -v jq >/dev/null 2>&1 || { skip "no jq"; return; }
	expect 0 "$CKPT" info --json "$T/plain.img" || return 1
	[ "$(jq -c '.fs' "$T/out")" = '{"umask":"0022","cwd":"/home/user"}' ] || return 1
	[ "$(jq -c '.task | [.pdeath_signal, .pdeath_signal_name, .task_flags, .no_new_privs]' "$T/out")" = '[15,"SIGTERM","0x1",true]' ] || return 1
	[ "$(jq '.task.rlimits | length' "$T/out")" = 16 ] || return 1
	[ "$(jq -c '.task.rlimits[7]' "$T/out")" = '{"resource":"RLIMIT_NOFILE","soft":1024,"hard":524288}' ] || return 1
	[ "$(jq -c '.task.rlimits[0]' "$T/out")" = '{"resource":"RLIMIT_CPU","soft":null,"hard":null}' ] || return 1
	[ "$(jq -c '.signals | [.blocked, .blocked_names, .nr_pending]' "$T/out")" = '["0xa00",["SIGUSR1","SIGUSR2"],2]' ] || return 1
	[ "$(jq -c '.signals.altstack' "$T/out")" = '{"sp":139637978824704,"size":16384,"flags":"0x80000000","flag_names":["autodisarm"]}' ] || return 1
	[ "$(jq '.signals.actions | length' "$T/out")" = 64 ] || return 1
	[ "$(jq -c '.signals.actions[1]' "$T/out")" = '{"signo":2,"name":"SIGINT","disposition":"handler","handler":4199680,"flags":"0x1c000004","flag_names":["siginfo","restorer","onstack","restart"],"restorer":4199936,"mask":"0x4000","mask_names":["SIGTERM"]}' ] ||
		{ jq -c '.signals.actions[1]' "$T/out" | diag; return 1; }
	[ "$(jq -r '.signals.actions[12].disposition' "$T/out")" = ignore ] || return 1
	[ "$(jq -r '.signals.actions[33].name' "$T/out")" = "SIGRTMIN+2" ] || return 1
	[ "$(jq -c '[.pending[] | [.signo, .name, .queue, .si_code, .si_code_name, .si_pid, .si_uid]]' "$T/out")" = '[[10,"SIGUSR1","private",-6,"SI_TKILL",4000,1000],[12,"SIGUSR2","shared",0,"SI_USER",4001,1000]]' ] || return 1
	[ "$(jq -r '.pending[0].info | length' "$T/out")" = 256 ] || return 1
	[ "$(jq -c '.auxv | [.nr_words, (.entries | length), .entries[-1]]' "$T/out")" = '[30,15,{"type":0,"name":"AT_NULL","value":0}]' ] || return 1
	[ "$(jq -c '.auxv.entries[] | select(.name == "AT_ENTRY") | .value' "$T/out")" = 4198400 ] || return 1
	[ "$(jq '.totals.pending_signals' "$T/out")" = 2 ]
}

t_info_seeks_over_pages_and_still_finds_a_cut_in_them() {
	# The pages of a file are seeked over, not read: the same description.
	expect 0 "$CKPT" info "$T/big.img" || return 1
	cp "$T/out" "$T/big.info"
	expect 0 "$CKPT" info - <"$T/big.img" || return 1
	sed 's|^\(file: *\).*|\1|' "$T/out" >"$T/pipe.info"
	sed 's|^\(file: *\).*|\1|' "$T/big.info" | cmp - "$T/pipe.info" || return 1
	# Cut inside the pages: found, at the offset where the file ends.
	size=$(stat -c %s "$T/big.img")
	head -c $((size - 5000)) "$T/big.img" >"$T/cut.img"
	expect 5 "$CKPT" info "$T/cut.img" || return 1
	has "$T/err" "the image ends at offset $((size - 5000)) inside record" || return 1
	expect 5 "$CKPT" info - <"$T/cut.img" || return 1
	has "$T/err" "the image ends at offset $((size - 5000)) inside record"
}

t_info_shows_the_interval_timers() {
	expect 0 "$CKPT" info "$T/plain.img" || return 1
	has "$T/out" "itimers:     none" || return 1
	"$MKIMAGE" --itimer 1500000000:200000000 "$T/itimer.img" || return 1
	expect 0 "$CKPT" info "$T/itimer.img" || return 1
	# A setting of the task: after the others, before its limits.
	sed -n '/^settings:/,/^limits:/p' "$T/out" >"$T/itimer.txt"
	[ "$(wc -l <"$T/itimer.txt")" -eq 3 ] || { diag "$T/out"; return 1; }
	has "$T/itimer.txt" "itimers:     ITIMER_REAL 1.500000000 s left, every 0.200000000 s" || return 1
	has "$T/out" "tail:        30 records, 6 VMAs, 273 pages" || return 1
	"$MKIMAGE" --itimer 3000000001:0 "$T/oneshot.img" || return 1
	expect 0 "$CKPT" info "$T/oneshot.img" || return 1
	has "$T/out" "itimers:     ITIMER_REAL 3.000000001 s left, one-shot" || return 1
	"$MKIMAGE" --itimer 0:250000000 "$T/expired.img" || return 1
	expect 0 "$CKPT" info "$T/expired.img" || return 1
	has "$T/out" "itimers:     ITIMER_REAL expired, rearmed when its signal is dequeued, every 0.250000000 s" || return 1
	command -v jq >/dev/null 2>&1 || { skip "no jq for --json"; return; }
	expect 0 "$CKPT" info --json "$T/plain.img" || return 1
	[ "$(jq -c '.task.itimers' "$T/out")" = null ] || return 1
	expect 0 "$CKPT" info --json "$T/itimer.img" || return 1
	[ "$(jq -c '.task | [.task_flags, .no_new_privs]' "$T/out")" = '["0x3",true]' ] || return 1
	[ "$(jq -c '.task.itimers' "$T/out")" = '[{"which":"ITIMER_REAL","value_ns":1500000000,"interval_ns":200000000},{"which":"ITIMER_VIRTUAL","value_ns":0,"interval_ns":0},{"which":"ITIMER_PROF","value_ns":0,"interval_ns":0}]' ] ||
		{ jq -c '.task.itimers' "$T/out" | diag; return 1; }
}

t_info_shows_a_deleted_file_and_what_of_it_was_saved() {
	"$MKIMAGE" --deleted "$T/deleted.img" || return 1
	expect 0 "$CKPT" info "$T/deleted.img" || return 1
	has "$T/out" "    150    5 -       file rw                        100  /tmp/scratch (deleted: 200000 bytes, 104 saved)" || return 1
	has "$T/out" "    151    5 cloexec file rw                        100  /tmp/scratch (deleted: 200000 bytes, 104 saved)" || return 1
	command -v jq >/dev/null 2>&1 || { skip "no jq for --json"; return; }
	expect 0 "$CKPT" info --json "$T/deleted.img" || return 1
	[ "$(jq -c '[.files[] | select(.deleted) | [.fd, .saved_bytes]]' "$T/out")" = '[[150,104],[151,104]]' ] ||
		{ jq -c '.files' "$T/out" | diag; return 1; }
}

t_info_shows_a_timer_that_expired_while_saved_as_none() {
	"$MKIMAGE" --itimer 0:0 "$T/noitimer.img" || return 1
	expect 0 "$CKPT" info "$T/noitimer.img" || return 1
	has "$T/out" "itimers:     none"
}

# ---------------------------------------------------------------- failures

t_wrong_identity_exit_3_and_no_output() {
	expect 3 "$CKPT" decrypt -i "$T/other" -o "$T/x1" "$T/enc" || return 1
	has "$T/err" "wrong identity" && [ ! -e "$T/x1" ]
}

t_a_key_of_the_wrong_kind_exit_3() {
	expect 3 "$CKPT" decrypt -k "$T/sym" -o "$T/x2" "$T/enc" || return 1
	has "$T/err" "is encrypted with public keys (recipients): decrypting it needs an identity file (-i FILE)"
}

t_tampered_container_exit_4_and_no_output() {
	cp "$T/enc" "$T/tampered"
	flip "$T/tampered" 2000
	expect 4 "$CKPT" decrypt -i "$T/id" -o "$T/x3" "$T/tampered" || return 1
	has "$T/err" "failed authentication: the file was modified or corrupted" || return 1
	[ ! -e "$T/x3" ] && no_leftovers "$T"
}

t_truncated_container_exit_5_and_no_output() {
	head -c $(( $(size "$T/enc") - 100 )) "$T/enc" >"$T/short"
	expect 5 "$CKPT" decrypt -i "$T/id" -o "$T/x4" "$T/short" || return 1
	has "$T/err" "truncated" || return 1
	[ ! -e "$T/x4" ] && no_leftovers "$T"
}

t_trailing_data_exit_4() {
	cp "$T/enc" "$T/long"
	printf 'x' >>"$T/long"
	expect 4 "$CKPT" decrypt -i "$T/id" -o "$T/x5" "$T/long" || return 1
	has "$T/err" "trailing data after the final chunk"
}

t_a_failed_decrypt_keeps_the_old_output() {
	echo old >"$T/keep"
	expect 4 "$CKPT" decrypt -i "$T/id" -o "$T/keep" "$T/tampered" || return 1
	[ "$(cat "$T/keep")" = old ] || return 1
	expect 0 "$CKPT" decrypt -i "$T/id" -o "$T/keep" "$T/enc" || return 1
	cmp "$T/keep" "$T/plain.img"
}

t_output_through_a_symlink_replaces_its_target() {
	echo old >"$T/target"
	ln -s target "$T/link"
	expect 0 "$CKPT" decrypt -i "$T/id" -o "$T/link" "$T/enc" || return 1
	[ -L "$T/link" ] && cmp "$T/target" "$T/plain.img"
}

t_invalid_plain_image_exit_4_names_the_record() {
	expect 4 "$CKPT" info "$T/bad.img" || return 1
	has "$T/err" "record 18 (CKPT_HDR_VMA at image offset 5024): start:" || return 1
	expect 4 "$CKPT" encrypt -r "$R" -o "$T/x6" "$T/bad.img" || return 1
	[ ! -e "$T/x6" ] && no_leftovers "$T"
}

t_truncated_plain_image_exit_5() {
	head -c 8000 "$T/plain.img" >"$T/cut.img"
	expect 5 "$CKPT" info "$T/cut.img" || return 1
	has "$T/err" "truncated: the image ends at offset 8000 inside record 23 (CKPT_HDR_PAGES"
}

t_not_a_ckpt_file_exit_6_and_empty_exit_5() {
	echo "hello, world" >"$T/text"
	expect 6 "$CKPT" info "$T/text" || return 1
	has "$T/err" "not a ckpt image" || return 1
	: >"$T/empty"
	expect 5 "$CKPT" info "$T/empty" || return 1
	has "$T/err" "the file is empty"
}

t_decrypt_wants_a_container_and_encrypt_an_image_exit_6() {
	expect 6 "$CKPT" decrypt -i "$T/id" -o "$T/x7" "$T/plain.img" || return 1
	has "$T/err" "is not encrypted: it is a plaintext image" || return 1
	expect 6 "$CKPT" encrypt -r "$R" -o "$T/x8" "$T/enc" || return 1
	has "$T/err" "is already encrypted"
}

t_missing_input_exit_1() {
	expect 1 "$CKPT" info "$T/nonexistent" || return 1
	has "$T/err" "ckpt: error: $T/nonexistent: No such file or directory"
}

# ---------------------------------------------------------------- usage

t_usage_errors_exit_2() {
	expect 2 "$CKPT" || return 1
	expect 2 "$CKPT" bogus || return 1
	has "$T/err" "ckpt: error: unknown command 'bogus'" || return 1
	expect 2 "$CKPT" info || return 1
	expect 2 "$CKPT" info --json --maps "$T/plain.img" || return 1
	expect 2 "$CKPT" info --bogus "$T/plain.img" || return 1
	has "$T/err" "ckpt: hint: run 'ckpt info --help' for its usage" || return 1
	expect 2 "$CKPT" encrypt -r "$R" "$T/plain.img" || return 1
	expect 2 "$CKPT" encrypt -o "$T/x9" "$T/plain.img" || return 1
	expect 2 "$CKPT" encrypt -r "$R" -k "$T/sym" -o "$T/x9" "$T/plain.img" || return 1
	expect 2 "$CKPT" encrypt -r not-a-recipient -o "$T/x9" "$T/plain.img" || return 1
	expect 2 "$CKPT" keygen || return 1
	expect 2 "$CKPT" checkpoint || return 1
	expect 2 "$CKPT" checkpoint abc -o "$T/x9" --plaintext || return 1
	expect 2 "$CKPT" checkpoint 1 -o "$T/x9" || return 1
	has "$T/err" "no key" || return 1
	expect 2 "$CKPT" checkpoint 1 -o "$T/x9" --plaintext -r "$R" || return 1
	[ ! -e "$T/x9" ]
}

t_help_and_version() {
	expect 0 "$CKPT" --help || return 1
	for c in checkpoint restart info keygen encrypt decrypt; do
		grep -q "^  $c " "$T/out" || { echo "# $c not listed"; return 1; }
	done
	has "$T/out" "  7  permission denied: by the ptrace access check, or at restart" || return 1
	for c in checkpoint info keygen encrypt decrypt; do
		expect 0 "$CKPT" "$c" --help || return 1
		has "$T/out" "Usage: ckpt $c" || return 1
		has "$T/out" "Exit status:" || return 1
	done
	expect 0 "$CKPT" help info || return 1
	has "$T/out" "ckpt info - check an image and describe it" || return 1
	expect 0 "$CKPT" --version || return 1
	grep -q '^ckpt [0-9]' "$T/out"
}

t_restart_usage_and_its_other_name() {
	expect 2 "$CKPT" restart || return 1
	has "$T/err" "which image?" || return 1
	ln -s "$CKPT" "$T/restart"
	expect 2 "$T/restart" a b || return 1
	has "$T/err" "one image at a time" || return 1
	expect 0 "$T/restart" --help || return 1
	has "$T/out" "Usage: ckpt restart"
}

t_restart_without_the_module_exit_1() {
	[ -e /dev/checkpoint ] && { skip "/dev/checkpoint exists"; return; }
	expect 1 "$CKPT" restart "$T/plain.img" || return 1
	has "$T/err" "ckpt: error: /dev/checkpoint: No such file or directory" || return 1
	has "$T/err" "ckpt.ko is not loaded"
}

t_checkpoint_without_the_module_exit_1() {
	[ -e /dev/checkpoint ] && { skip "/dev/checkpoint exists"; return; }
	expect 1 "$CKPT" checkpoint 1 --plaintext -o "$T/x10" || return 1
	has "$T/err" "ckpt: error: /dev/checkpoint: No such file or directory: ckpt.ko is not loaded" || return 1
	[ ! -e "$T/x10" ] && no_leftovers "$T"
}

t_binary_is_not_written_to_a_terminal() {
	command -v script >/dev/null 2>&1 || { skip "no script(1) to make a terminal"; return; }
	run script -qec "'$CKPT' decrypt -i '$T/id' -o - '$T/enc'" /dev/null
	[ "$rc" -eq 2 ] || { echo "# exit $rc"; diag "$T/out"; return 1; }
	has "$T/out" "refusing to write binary data to a terminal"
}

# tty ANSWER... -- CMD...: run CMD on a new pseudo-terminal, typing each
# ANSWER after each prompt (a line ending in ": ").  Its terminal output
# goes to $T/out, its exit status to $rc.
tty() {
	cat >"$T/drive_pty.py" <<'PY'
import os, pty, select, sys, time
sep = sys.argv.index("--")
answers, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
out, deadline = b"", time.time() + 20
def more(wait):
    global out
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    out += data
    return bool(data)
for answer in answers:
    seen = len(out)
    while not out[seen:].rstrip().endswith(b":") and time.time() < deadline:
        if not more(0.2):
            break
    os.write(fd, answer.encode() + b"\n")
while time.time() < deadline and more(0.2):
    pass
if time.time() >= deadline:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
	python3 "$T/drive_pty.py" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

t_passphrase_prompts_on_the_terminal_without_echo() {
	command -v python3 >/dev/null 2>&1 || { skip "no python3 to drive a terminal"; return; }
	tty "secret words" "secret words" -- "$CKPT" encrypt --passphrase -o "$T/pt.enc" "$T/plain.img"
	[ "$rc" -eq 0 ] || { echo "# exit $rc"; diag "$T/out"; return 1; }
	has "$T/out" "Enter a passphrase for the image:" || return 1
	has "$T/out" "Enter the same passphrase again:" || return 1
	! grep -q "secret" "$T/out" || { echo "# the passphrase was echoed"; return 1; }
	tty "secret words" -- "$CKPT" decrypt -o "$T/pt.img" "$T/pt.enc"
	[ "$rc" -eq 0 ] && cmp "$T/pt.img" "$T/plain.img" || return 1
	tty "other words" -- "$CKPT" info "$T/pt.enc"
	[ "$rc" -eq 3 ] && has "$T/out" "wrong passphrase" || return 1
	tty "one" "two" -- "$CKPT" encrypt --passphrase -o "$T/pt2.enc" "$T/plain.img"
	[ "$rc" -eq 2 ] && has "$T/out" "the passphrases do not match" && [ ! -e "$T/pt2.enc" ]
}

# ---------------------------------------------------------------- checkpoint

need_fake() {
	[ -n "$FAKE" ] || skip "no stand-in for /dev/checkpoint (FAKE_DEV)"
}

t_checkpoint_streams_a_plaintext_image_silently() {
	need_fake || return
	expect 0 fake CKPT_FAKE_IMAGE="$T/plain.img" \
		"$CKPT" checkpoint 4242 --plaintext -o "$T/c1" || return 1
	cmp "$T/c1" "$T/plain.img" && [ "$(mode "$T/c1")" = 600 ] && [ ! -s "$T/err" ]
}

t_checkpoint_encrypts_and_passes_its_arguments_to_the_ioctl() {
	need_fake || return
	expect 0 fake CKPT_FAKE_IMAGE="$T/big.img" CKPT_FAKE_LOG="$T/log" \
		"$CKPT" checkpoint 4242 --kill -v -r "$R" -o "$T/c2" || return 1
	has "$T/err" "ckpt: pid 4242 (sleeper): 6 VMAs, 2773 pages saved" || return 1
	[ "$(cat "$T/log")" = "size=48 pid=4242 flags=1 errbuf=set errbuf_len=512 reserved=0,0" ] ||
		{ diag "$T/log"; return 1; }
	expect 0 "$CKPT" decrypt -i "$T/id" -o "$T/c2.img" "$T/c2" || return 1
	cmp "$T/c2.img" "$T/big.img"
}

t_checkpoint_to_standard_output() {
	need_fake || return
	fake CKPT_FAKE_IMAGE="$T/plain.img" \
		"$CKPT" checkpoint 4242 -k "$T/sym" -o - >"$T/c3" || return 1
	expect 0 "$CKPT" decrypt -k "$T/sym" -o - "$T/c3" || return 1
	cmp "$T/out" "$T/plain.img"
}

t_checkpoint_permission_denied_exit_7() {
	need_fake || return
	expect 7 fake CKPT_FAKE_ERRNO=1 \
		CKPT_FAKE_MSG="pid 4242: permission denied by the ptrace access check" \
		"$CKPT" checkpoint 4242 --plaintext -o "$T/c4" || return 1
	[ "$(sed -n 1p "$T/err")" = "ckpt: error: pid 4242: permission denied by the ptrace access check" ] || return 1
	has "$T/err" "ckpt: hint: ckpt may checkpoint what a debugger may attach to" || return 1
	[ ! -e "$T/c4" ] && no_leftovers "$T"
}

t_checkpoint_no_such_process_without_a_module_message() {
	need_fake || return
	expect 1 fake CKPT_FAKE_ERRNO=3 "$CKPT" checkpoint 4242 --plaintext -o "$T/c5" || return 1
	[ "$(cat "$T/err")" = "ckpt: error: pid 4242: no such process (or it is exiting)" ]
}

t_checkpoint_unsupported_exit_8_says_what() {
	need_fake || return
	expect 8 fake CKPT_FAKE_ERRNO=95 \
		CKPT_FAKE_MSG="pid 4242: multi-threaded processes are not supported yet" \
		"$CKPT" checkpoint 4242 --plaintext -o "$T/c6" || return 1
	[ "$(cat "$T/err")" = "ckpt: error: pid 4242: multi-threaded processes are not supported yet" ]
}

t_checkpoint_failing_midway_leaves_nothing() {
	need_fake || return
	expect 1 fake CKPT_FAKE_IMAGE="$T/big.img" CKPT_FAKE_CUT=300000 \
		CKPT_FAKE_ERRNO=5 CKPT_FAKE_MSG="pid 4242: reading page 7f0000010000 failed (-5)" \
		"$CKPT" checkpoint 4242 -r "$R" -o "$T/c7" || return 1
	has "$T/err" "ckpt: error: pid 4242: reading page 7f0000010000 failed (-5)" || return 1
	[ ! -e "$T/c7" ] && no_leftovers "$T"
}

t_checkpoint_refuses_an_invalid_image_exit_4() {
	need_fake || return
	expect 4 fake CKPT_FAKE_IMAGE="$T/bad.img" \
		"$CKPT" checkpoint 4242 --plaintext -o "$T/c8" || return 1
	has "$T/err" "ckpt: error: image of pid 4242: record 18 (CKPT_HDR_VMA at image offset 5024): start:" || return 1
	has "$T/err" "ckpt: hint: ckpt.ko wrote an image this ckpt cannot read" || return 1
	[ ! -e "$T/c8" ] && no_leftovers "$T"
}

t_checkpoint_image_ending_early_exit_5() {
	need_fake || return
	expect 5 fake CKPT_FAKE_IMAGE="$T/plain.img" CKPT_FAKE_CUT=5000 \
		"$CKPT" checkpoint 4242 --plaintext -o "$T/c9" || return 1
	has "$T/err" "ckpt: error: image of pid 4242: truncated" && [ ! -e "$T/c9" ]
}

t_checkpoint_interrupted_removes_its_output_and_dies_of_the_signal() {
	need_fake || return
	# exec: $! must be ckpt itself, not a subshell around it.
	(exec env LD_PRELOAD="$FAKE" ASAN_OPTIONS=verify_asan_link_order=0 \
		CKPT_FAKE_IMAGE="$T/plain.img" CKPT_FAKE_STALL=30 \
		"$CKPT" checkpoint 4242 --plaintext -o "$T/c10" 2>"$T/err") &
	bg=$!
	sleep 1
	[ -n "$(find "$T" -name '.c10.ckpt-*')" ] || { echo "# no temporary file while running"; kill -KILL $bg; return 1; }
	kill -TERM $bg
	wait $bg
	rc=$?
	[ "$rc" -eq 143 ] || { echo "# exit $rc, not 143 (SIGTERM)"; diag "$T/err"; return 1; }
	[ ! -e "$T/c10" ] && no_leftovers "$T"
}

t_checkpoint_with_the_module_missing_exit_1() {
	need_fake || return
	expect 1 fake CKPT_FAKE_OPEN_ERRNO=2 "$CKPT" checkpoint 4242 --plaintext -o "$T/c11" || return 1
	has "$T/err" "ckpt.ko is not loaded" && has "$T/err" "ckpt: hint: load the module first"
}

# ---------------------------------------------------------------- restart

# The restart child, up to the ioctl, with the stand-in for the module:
# it logs what the child set on itself, then refuses.

t_restart_child_sets_the_image_state_on_itself_before_the_ioctl() {
	need_fake || return
	mkdir -p "$T/cwd dir"
	# Lowering a limit is always allowed.
	"$MKIMAGE" --host --cwd "$T/cwd dir" --nofile 100:200 --pdeath 10 --nnp \
		"$T/host.img" || return 1
	expect 4 fake CKPT_FAKE_RESTART_LOG="$T/restart.log" \
		CKPT_FAKE_MSG="the stand-in refuses" \
		"$CKPT" restart "$T/host.img" || return 1
	has "$T/err" "ckpt: error: $T/host.img: restart failed: the stand-in refuses" || return 1
	# Every signal blocked (the C library's own two as well).
	has "$T/restart.log" "blocked 0xfffffffffffbfeff" || return 1
	# Each action as the image has it, the restorer included.
	has "$T/restart.log" "action 2 handler 0x401500 flags 0x1c000004 restorer 0x401600 mask 0x4000" || return 1
	has "$T/restart.log" "action 13 handler 0x1 flags 0x4000000 restorer 0x401600 mask 0x0" || return 1
	has "$T/restart.log" "action 15 handler 0x401540 flags 0x84000000 restorer 0x401600 mask 0x0" || return 1
	[ "$(grep -c '^action ' "$T/restart.log")" -eq 3 ] || { diag "$T/restart.log"; return 1; }
	has "$T/restart.log" "altstack sp 0x7f0000200000 size 16384 flags 0x80000000" || return 1
	has "$T/restart.log" "cwd $T/cwd dir" || return 1
	has "$T/restart.log" "umask 0022" || return 1
	has "$T/restart.log" "rlimit 7 100 200" || return 1
	has "$T/restart.log" "pdeath 10" || return 1
	has "$T/restart.log" "nnp 1" || return 1
	# The image's pipe, made for the module: both ends, of its capacity.
	has "$T/restart.log" "args size 64 flags 0 nr_pipes 1 reserved 0 pipes set" || return 1
	has "$T/restart.log" "pipe 777 read r size 65536 held 0 write w size 65536 held 0 one pipe" || return 1
	# No alternate stack: disabled, keeping the image's SS_AUTODISARM.
	# (Not under AddressSanitizer, whose _exit() path cannot take that
	# state: it unpoisons the alternate stack unless ss_flags is exactly
	# SS_DISABLE.)
	flags=0x80000002
	grep -aq __asan_init "$CKPT" && flags=0x2
	"$MKIMAGE" --host --cwd "$T" --no-altstack $flags "$T/host2.img" || return 1
	expect 4 fake CKPT_FAKE_RESTART_LOG="$T/restart2.log" "$CKPT" restart "$T/host2.img" || return 1
	has "$T/restart2.log" "altstack sp 0x0 size 0 flags $flags" || return 1
	has "$T/restart2.log" "cwd $T" || return 1
	has "$T/restart2.log" "pdeath 0"
}

t_restart_refuses_a_limit_above_the_hard_limit_exit_7() {
	need_fake || return
	[ -r /proc/sys/fs/nr_open ] || { skip "no /proc/sys/fs/nr_open"; return; }
	# Above fs.nr_open: no one may raise RLIMIT_NOFILE so far, root neither.
	over=$(( $(cat /proc/sys/fs/nr_open) + 1 ))
	hard=$(ulimit -Hn)
	"$MKIMAGE" --host --cwd "$T" --nofile "$over:$over" "$T/over.img" || return 1
	expect 7 fake CKPT_FAKE_RESTART_LOG="$T/over.log" "$CKPT" restart "$T/over.img" || return 1
	has "$T/err" "ckpt: error: $T/over.img: restart failed: the image's RLIMIT_NOFILE ($over) is above this process's hard limit ($hard)" || return 1
	# Refused before the ioctl.
	[ ! -e "$T/over.log" ]
}

t_restart_reports_a_working_directory_it_cannot_enter() {
	need_fake || return
	"$MKIMAGE" --host --cwd "$T/nowhere" "$T/nowhere.img" || return 1
	expect 1 fake CKPT_FAKE_RESTART_LOG="$T/nowhere.log" "$CKPT" restart "$T/nowhere.img" || return 1
	has "$T/err" "restart failed: cannot enter the image's working directory $T/nowhere: No such file or directory" || return 1
	[ ! -e "$T/nowhere.log" ]
}

t_restart_makes_the_image_pipes_and_passes_both_ends_to_the_ioctl() {
	need_fake || return
	"$MKIMAGE" --host --cwd "$T" --pipe-size 8192 --second-pipe "$T/pipes-host.img" || return 1
	expect 4 fake CKPT_FAKE_RESTART_LOG="$T/pipes.log" "$CKPT" restart "$T/pipes-host.img" || return 1
	has "$T/pipes.log" "args size 64 flags 0 nr_pipes 2 reserved 0 pipes set" || return 1
	has "$T/pipes.log" "nr_inherit 0 reserved2 0" || return 1
	# One pipe per record, in their order, each with the record's
	# capacity, its read end open for reading, its write end for writing,
	# and empty: the module puts the data in.
	has "$T/pipes.log" "pipe 777 read r size 8192 held 0 write w size 8192 held 0 one pipe" || return 1
	has "$T/pipes.log" "pipe 900 read r size 16384 held 0 write w size 16384 held 0 one pipe" || return 1
	[ "$(grep '^pipe ' "$T/pipes.log" | cut -d' ' -f2 | tr '\n' ' ')" = "777 900 " ] || { diag "$T/pipes.log"; return 1; }
	# A capacity is a power of two pages: 3 pages would become 4.
	"$MKIMAGE" --host --cwd "$T" --pipe-size 12288 "$T/pipe3.img" || return 1
	expect 4 fake CKPT_FAKE_RESTART_LOG="$T/pipe3.log" "$CKPT" restart "$T/pipe3.img" || return 1
	has "$T/err" "restart failed: the image's pipe:[777] holds 12288 bytes, which is no pipe's capacity (a pipe asked for it gets 16384)" || return 1
	[ ! -e "$T/pipe3.log" ]
}

t_restart_inherit_fd_hands_over_the_commands_descriptors() {
	need_fake || return
	"$MKIMAGE" --host --cwd "$T" --second-pipe "$T/inh.img" || return 1
	: >"$T/given"
	: >"$T/given2"
	# The program's 4 and 201 get this command's 9 and 8; the rest as before.
	expect 4 fake CKPT_FAKE_RESTART_LOG="$T/inh.log" "$CKPT" restart \
		--inherit-fd 201:8 --inherit-fd 4:9 "$T/inh.img" 9<"$T/given" 8<"$T/given2" || return 1
	has "$T/inh.log" "args size 64 flags 0 " || return 1
	has "$T/inh.log" "nr_inherit 2 reserved2 0" || return 1
	# --allow-changed-files is a flag of the ioctl.
	expect 4 fake CKPT_FAKE_RESTART_LOG="$T/chg.log" "$CKPT" restart \
		--allow-changed-files "$T/inh.img" || return 1
	has "$T/chg.log" "args size 64 flags 1 " || return 1
	has "$T/inh.log" "inherit 4 ino $(stat -c %i "$T/given")" || return 1
	has "$T/inh.log" "inherit 201 ino $(stat -c %i "$T/given2")" || return 1
	# This command's own descriptors are out of their way.
	has "$T/inh.log" "image and status above 201" || return 1
	has "$T/inh.log" "pipe 900 read r size 16384 held 0 write w size 16384 held 0 one pipe" || return 1
}

t_restart_inherit_fd_refusals_exit_2_or_8() {
	need_fake || return
	"$MKIMAGE" --host --cwd "$T" "$T/inh2.img" || return 1
	expect 2 "$CKPT" restart --inherit-fd 7x "$T/inh2.img" || return 1
	has "$T/err" "--inherit-fd 7x: give N or N:M, descriptor numbers" || return 1
	expect 2 "$CKPT" restart --inherit-fd 3:77 "$T/inh2.img" || return 1
	has "$T/err" "--inherit-fd 3:77: descriptor 77 of this command is not open" || return 1
	expect 2 "$CKPT" restart --inherit-fd 3:0 --inherit-fd 3:0 "$T/inh2.img" || return 1
	has "$T/err" "descriptor 3 of the program is handed over twice" || return 1
	expect 2 fake CKPT_FAKE_RESTART_LOG="$T/inh2.log" "$CKPT" restart --inherit-fd 9:0 "$T/inh2.img" || return 1
	has "$T/err" "--inherit-fd 9: $T/inh2.img has no descriptor 9" || return 1
	[ ! -e "$T/inh2.log" ] || return 1
	# A socket at 8: it leads outside, and nothing was handed over for it.
	"$MKIMAGE" --host --cwd "$T" --more-files "$T/sock.img" || return 1
	expect 8 fake CKPT_FAKE_RESTART_LOG="$T/sock.log" "$CKPT" restart "$T/sock.img" || return 1
	has "$T/err" "$T/sock.img: fd 8 is socket:[5678], which leads outside the process and cannot be reopened: hand a descriptor over for it with --inherit-fd 8" || return 1
	[ ! -e "$T/sock.log" ]
}

# has_cap N: this shell has capability N in its effective set.
has_cap() {
	eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	[ -n "$eff" ] && [ $(( (0x$eff >> $1) & 1 )) -eq 1 ]
}

t_restart_refuses_a_pipe_above_pipe_max_size_exit_7() {
	need_fake || return
	[ -r /proc/sys/fs/pipe-max-size ] || { skip "no /proc/sys/fs/pipe-max-size"; return; }
	max=$(cat /proc/sys/fs/pipe-max-size)
	size=$((max * 2))
	[ "$size" -le 1073741824 ] || { skip "pipe-max-size $max leaves no capacity above it"; return; }
	"$MKIMAGE" --host --cwd "$T" --pipe-size "$size" "$T/bigpipe.img" || return 1
	# CAP_SYS_RESOURCE (24) lifts pipe-max-size: run without it.
	drop=
	if has_cap 24; then
		command -v setpriv >/dev/null 2>&1 || { skip "CAP_SYS_RESOURCE, and no setpriv to drop it"; return; }
		drop="setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource"
	fi
	expect 7 $drop env LD_PRELOAD="$FAKE" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		CKPT_FAKE_RESTART_LOG="$T/bigpipe.log" "$CKPT" restart "$T/bigpipe.img" || return 1
	[ "$(cat "$T/err")" = "ckpt: error: $T/bigpipe.img: restart failed: the image's pipe:[777] holds $size bytes, above this process's pipe-max-size ($max)" ] ||
		{ diag "$T/err"; return 1; }
	# Refused before the ioctl.
	[ ! -e "$T/bigpipe.log" ]
}

t_no_partial_output_is_ever_left() {
	no_leftovers "$T"
}

# ---------------------------------------------------------------- run

tests=$(sed -n 's/^\(t_[a-z0-9_]*\)() {$/\1/p' "$0")
setup
echo "TAP version 13"
echo "1..$(echo "$tests" | wc -l)"
n=0
failed=0
for t in $tests; do
	n=$((n + 1))
	name=$(echo "${t#t_}" | tr _ ' ')
	skip_reason=
	$t
	result=$?
	if [ "$result" -eq 77 ]; then
		echo "ok $n - cli: $name # SKIP $skip_reason"
	elif [ "$result" -eq 0 ]; then
		echo "ok $n - cli: $name"
	else
		echo "not ok $n - cli: $name"
		failed=$((failed + 1))
	fi
done
echo "# $n tests, $failed failed"
[ "$failed" -eq 0 ]
