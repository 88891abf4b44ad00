# Reads "a<TAB>b" lines; prints <, =, > per Ruby's Gem::Version, or "error".
require "rubygems"
STDIN.each_line do |line|
  a, b = line.chomp.split("\t", 2)
  begin
    x = Gem::Version.new(a)
    y = Gem::Version.new(b)
    c = x <=> y
    puts(c < 0 ? "<" : c > 0 ? ">" : "=")
  rescue ArgumentError
    puts "error"
  end
end
