#!/usr/bin/env bash
# Reads "a<TAB>b" lines; prints <, =, > per `dpkg --compare-versions`, or "error".
while IFS=$'\t' read -r a b; do
  if ! dpkg --validate-version -- "$a" 2>/dev/null || ! dpkg --validate-version -- "$b" 2>/dev/null; then
    echo error
  elif dpkg --compare-versions -- "$a" lt "$b" 2>/dev/null; then
    echo "<"
  elif dpkg --compare-versions -- "$a" eq "$b" 2>/dev/null; then
    echo "="
  else
    echo ">"
  fi
done
