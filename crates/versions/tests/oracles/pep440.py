# Reads "a<TAB>b" lines; prints <, =, > per Python `packaging` (PEP 440), or "error".
import sys
from packaging.version import Version, InvalidVersion

for line in sys.stdin:
    a, _, b = line.rstrip("\n").partition("\t")
    try:
        x, y = Version(a), Version(b)
    except InvalidVersion:
        print("error")
        continue
    print("<" if x < y else ">" if x > y else "=")
