#!/bin/sh
# Cortex-M size report of core/ (make size). Usage:
#   scripts/size_report.sh BUILD_DIR TEXT_MAX STACK_MAX core/a.c core/b.c ...
# TEXT_MAX applies to the token-only stop path (-DDS_AKSK=0) on Cortex-M3,
# linked without LTO, as the firmware links it.
# Compiles every core source with arm-none-eabi-gcc -Os -mthumb for
# Cortex-M3 and Cortex-M0+, prints .text/.rodata/.data/.bss per object and
# in total, the code a stop links (a partial link with --gc-sections from
# the public entry points, jsmn included; as built and token-only), the largest
# stack frame (-fstack-usage), the deepest call chain from the entry points
# (-fcallgraph-info, scripts/stack_depth.py; fails on recursion), and the
# caller buffers in bytes for arm and for the host. Fails when, on Cortex-M3, the stop path's .text exceeds
# TEXT_MAX, any object has .data or .bss, or a frame exceeds STACK_MAX.
set -eu
build=$1; text_max=$2; stack_max=$3; shift 3
out=$build/size
mkdir -p "$out/inc"
# The cross compiler does not search /usr/include; jsmn.h needs only stddef.h.
ln -sf /usr/include/jsmn.h "$out/inc/jsmn.h"
CC=arm-none-eabi-gcc
FLAGS="-std=c11 -Os -mthumb -ffunction-sections -fdata-sections -fstack-usage -Iinclude -Icore -I$out/inc"
ENTRIES="ds_stop ds_outcome_name ds_reason_text ds_stop_request_init ds_wipe ds_valid_id ds_valid_token ds_valid_host"
fail=0

# Sum of the sizes of the sections whose names match $2 in object $1.
sect() {
    arm-none-eabi-size -A "$1" | awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }'
}

for cpu in cortex-m3 cortex-m0plus; do
    dir=$out/$cpu
    mkdir -p "$dir"
    rm -f "$dir"/*.o "$dir"/*.su "$dir"/*.ci
    for src in "$@"; do
        n=$(basename "$src" .c)
        $CC $FLAGS -mcpu=$cpu -fcallgraph-info=su -c "$src" -o "$dir/$n.o"
    done
    echo "== $cpu: -Os -mthumb, bytes"
    printf '%-18s %7s %7s %7s %7s\n' object .text .rodata .data .bss
    tt=0; tr=0; td=0; tb=0
    for o in "$dir"/*.o; do
        t=$(sect "$o" '^\.text'); r=$(sect "$o" '^\.rodata'); d=$(sect "$o" '^\.data'); b=$(sect "$o" '^\.bss')
        printf '%-18s %7d %7d %7d %7d\n' "$(basename "$o")" "$t" "$r" "$d" "$b"
        tt=$((tt + t)); tr=$((tr + r)); td=$((td + d)); tb=$((tb + b))
        if [ $((d + b)) -ne 0 ]; then echo "SIZE FAIL: $(basename "$o") has .data/.bss"; fail=1; fi
    done
    printf '%-18s %7d %7d %7d %7d\n' "all of core/" "$tt" "$tr" "$td" "$tb"
    undef=""
    for e in $ENTRIES; do undef="$undef -u $e"; done
    # What a program calling the public API links: a partial link with
    # --gc-sections from the entry points (jsmn included, libc's
    # memcpy/strlen/... not). Once as built (AK/SK signing included), once
    # for a token-only build (-DDS_AKSK=0): the bar applies to the latter.
    mkdir -p "$dir/token"
    rm -f "$dir/token"/*.o "$dir/token"/*.ci "$dir/token"/*.su
    for src in "$@"; do
        $CC $FLAGS -DDS_AKSK=0 -mcpu=$cpu -fcallgraph-info=su -c "$src" -o "$dir/token/$(basename "$src" .c).o"
    done
    # shellcheck disable=SC2086
    arm-none-eabi-ld -r --gc-sections $undef -o "$dir/stop_path.o" "$dir"/*.o
    # shellcheck disable=SC2086
    arm-none-eabi-ld -r --gc-sections $undef -o "$dir/token_path.o" "$dir"/token/*.o
    # Discover + stop + confirm (ds_halt on a session), token-only.
    # shellcheck disable=SC2086
    arm-none-eabi-ld -r --gc-sections $undef -u ds_halt -u ds_session_begin \
        -u ds_session_end -o "$dir/halt_path.o" "$dir"/token/*.o
    # The same token-only path as a whole program (-flto, then
    # --gc-sections): for comparison; the bar uses the plain link above.
    mkdir -p "$dir/lto"
    rm -f "$dir/lto"/*.o
    for src in "$@"; do
        $CC $FLAGS -DDS_AKSK=0 -flto -mcpu=$cpu -c "$src" -o "$dir/lto/$(basename "$src" .c).o"
    done
    # shellcheck disable=SC2086
    $CC -mthumb -mcpu=$cpu -Os -flto -ffunction-sections -fdata-sections -r -nostdlib \
        -flinker-output=nolto-rel -Wl,--gc-sections $(echo "$undef" | sed 's/-u /-Wl,-u,/g') \
        -o "$dir/token_lto.o" "$dir"/lto/*.o
    for v in stop_path token_path token_lto halt_path; do
        case $v in
        stop_path) label="stop path (AK/SK)";;
        token_path) label="stop path (token)";;
        halt_path) label="halt (token)";;
        *) label="token, with LTO";;
        esac
        printf '%-18s %7d %7d %7d %7d\n' "$label" "$(sect "$dir/$v.o" '^\.text')" \
            "$(sect "$dir/$v.o" '^\.rodata')" "$(sect "$dir/$v.o" '^\.data')" "$(sect "$dir/$v.o" '^\.bss')"
    done
    st=$(sect "$dir/token_path.o" '^\.text')
    worst=$(cat "$dir"/*.su | sort -t"$(printf '\t')" -k2 -n | tail -n 1)
    wn=$(printf '%s' "$worst" | cut -f2)
    echo "largest stack frame: $wn bytes ($(printf '%s' "$worst" | cut -f1 | sed 's|.*/||'), $(printf '%s' "$worst" | cut -f3))"
    # Deepest chain of static frames from the public entry points (callbacks
    # and libc excluded); also fails on recursion.
    if ! python3 scripts/stack_depth.py "$(echo $ENTRIES | tr ' ' ,)" "$dir"/*.ci; then
        echo "SIZE FAIL: recursion or non-static frame in core/"; fail=1
    fi
    printf 'token-only build: '
    python3 scripts/stack_depth.py "$(echo $ENTRIES | tr ' ' ,)" "$dir"/token/*.ci || fail=1
    if grep -q dynamic "$dir"/*.su; then echo "SIZE FAIL: dynamic stack frame"; grep dynamic "$dir"/*.su; fail=1; fi
    if [ "$cpu" = cortex-m3 ]; then
        if [ "$st" -gt "$text_max" ]; then
            echo "SIZE FAIL: token-only stop path .text $st > $text_max bytes"; fail=1
        fi
        if [ "$wn" -gt "$stack_max" ]; then
            echo "SIZE FAIL: stack frame $wn > $stack_max bytes"; fail=1
        fi
    fi
done

# Caller buffers: sizes of the public structs, read back from symbol sizes
# so nothing has to run on the target.
cat > "$out/buffers.c" <<'C'
#include "deploystop.h"
char ds_workspace_t_[sizeof(ds_workspace_t)];
char ds_result_t_[sizeof(ds_result_t)];
char ds_stop_request_t_[sizeof(ds_stop_request_t)];
char ds_http_parser_t_[sizeof(ds_http_parser_t)];
C
$CC -std=c11 -mthumb -mcpu=cortex-m3 -Iinclude -c "$out/buffers.c" -o "$out/buffers-arm.o"
${HOSTCC:-cc} -std=c11 -Iinclude -c "$out/buffers.c" -o "$out/buffers-host.o"
echo "== caller buffers, bytes (Cortex-M3 / $(uname -m) host)"
for s in ds_workspace_t ds_result_t ds_stop_request_t ds_http_parser_t; do
    a=$(arm-none-eabi-nm -S "$out/buffers-arm.o" | awk -v s="${s}_" '$4 == s { print $2 }')
    h=$(nm -S "$out/buffers-host.o" | awk -v s="${s}_" '$4 == s { print $2 }')
    printf '%-20s %7d %7d\n' "$s" "0x$a" "0x$h"
done
exit $fail
