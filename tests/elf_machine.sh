# elf_machine.sh BINARY MACHINE: passes when BINARY is an ELF executable whose
# header's machine ends with MACHINE as readelf -h spells it (AArch64, X86-64): that the
# arm64 cross build or package really holds arm64 code.
set -euo pipefail
binary=$1 want=$2
[ -f "$binary" ] || { echo "FAIL: $binary not found (scripts/setup builds it)" >&2; exit 1; }
header=$(readelf -h "$binary") || { echo "FAIL: $binary is not an ELF file" >&2; exit 1; }
machine=$(sed -n 's/^ *Machine: *//p' <<<"$header")
class=$(sed -n 's/^ *Class: *//p' <<<"$header")
type=$(sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p' <<<"$header")
[[ "$machine" == *"$want" ]] || { echo "FAIL: $binary is for $machine, not $want" >&2; exit 1; }
[ "$class" = ELF64 ] || { echo "FAIL: $binary is $class, not ELF64" >&2; exit 1; }
[ "$type" = DYN ] || [ "$type" = EXEC ] || { echo "FAIL: $binary is of type $type, not an executable" >&2; exit 1; }
echo "$binary: $class $type $machine"
