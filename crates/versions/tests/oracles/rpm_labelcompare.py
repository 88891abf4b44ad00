# Reads "a<TAB>b" lines of [epoch:]version[-release]; prints <, =, > per rpm's own
# rpm.labelCompare (rpmvercmp on epoch, version, release).
import sys
import rpm

def evr(s):
    epoch, _, rest = s.rpartition(":") if ":" in s else ("", "", s)
    version, _, release = rest.rpartition("-") if "-" in rest else (rest, "", "")
    return (epoch or None, version, release or None)

for line in sys.stdin:
    a, _, b = line.rstrip("\n").partition("\t")
    r = rpm.labelCompare(evr(a), evr(b))
    print("<" if r < 0 else ">" if r > 0 else "=")
