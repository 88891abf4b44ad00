<?php
// Differential-test oracle for Patchwarden's Packagist ordering.
//
// Reads lines `a<TAB>b` on standard input and prints one line per input line: `<`, `=` or
// `>` as composer/semver's Comparator answers for the two versions after
// VersionParser::normalize (as Composer itself compares versions); `error` when normalize
// refuses either string; `incomparable` when the Comparator holds none of <, =, > (two
// different dev branches).
//
// Run as: php crates/versions/tests/oracles/packagist_compare.php
// (composer/semver from Debian's php-composer-semver, or COMPOSER_SEMVER_AUTOLOAD).

$autoload = getenv('COMPOSER_SEMVER_AUTOLOAD') ?: '/usr/share/php/Composer/Semver/autoload.php';
require $autoload;

use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$parser = new VersionParser();
while (($line = fgets(STDIN)) !== false) {
    $line = rtrim($line, "\n");
    $tab = strpos($line, "\t");
    if ($tab === false) {
        echo "error\n";
        continue;
    }
    try {
        $a = $parser->normalize(substr($line, 0, $tab));
        $b = $parser->normalize(substr($line, $tab + 1));
    } catch (\Exception $e) {
        echo "error\n";
        continue;
    }
    $answers = array();
    if (Comparator::lessThan($a, $b)) {
        $answers[] = '<';
    }
    if (Comparator::equalTo($a, $b)) {
        $answers[] = '=';
    }
    if (Comparator::greaterThan($a, $b)) {
        $answers[] = '>';
    }
    if (count($answers) === 1) {
        echo $answers[0], "\n";
    } elseif (count($answers) === 0) {
        echo "incomparable\n";
    } else {
        echo 'inconsistent:', implode('', $answers), "\n";
    }
}
