// Differential-test oracle for Patchwarden's Maven ordering.
//
// Reads lines `a<TAB>b` (UTF-8) on standard input and prints one line per input line:
// `<`, `=` or `>`, the sign of Maven's own `ComparableVersion(a).compareTo(ComparableVersion(b))`.
// A line without a TAB prints `error`.
//
// Run as a Java 11+ single-file program with maven-artifact on the class path:
//   java -cp /usr/share/maven/lib/maven-artifact-3.x.jar crates/versions/tests/oracles/MavenCompare.java

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenCompare {
    public static void main(String[] args) throws IOException {
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out =
                new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            if (tab < 0) {
                out.write("error\n");
                continue;
            }
            String answer;
            try {
                ComparableVersion a = new ComparableVersion(line.substring(0, tab));
                ComparableVersion b = new ComparableVersion(line.substring(tab + 1));
                int c = a.compareTo(b);
                answer = c < 0 ? "<" : (c == 0 ? "=" : ">");
            } catch (RuntimeException e) {
                answer = "error";
            }
            out.write(answer);
            out.write('\n');
        }
        out.flush();
    }
}
