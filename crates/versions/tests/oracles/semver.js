// Reads "a<TAB>b" lines; prints <, =, > per node `semver` (strict parsing), or "error".
// argv[2]: the node_modules folder holding `semver` (installed by .ci/oracles.sh).
const semver = require(require("path").join(process.argv[2], "semver"));
const lines = require("fs").readFileSync(0, "utf8").split("\n");
const out = [];
for (const line of lines) {
  if (line === "") continue;
  const [a, b] = line.split("\t");
  const x = semver.parse(a), y = semver.parse(b);
  if (!x || !y) { out.push("error"); continue; }
  const c = semver.compare(x, y);
  out.push(c < 0 ? "<" : c > 0 ? ">" : "=");
}
process.stdout.write(out.join("\n") + "\n");
