#!/bin/sh
# perl: hashes, regexes, sort, sprintf and pack over generated text.
. "$(dirname "$0")/lib.sh"
need perl perl
setup() {
	cat >work.pl <<'PL'
use strict; use warnings;
my %h; my @words;
for my $i (1 .. 60000) {
    my $w = join '', map { chr(97 + ($i * $_ * 7919) % 26) } 1 .. (3 + $i % 9);
    push @words, $w;
    $h{$w}++;
}
my @top = (sort { $h{$b} <=> $h{$a} || $a cmp $b } keys %h)[0 .. 9];
printf "%-12s %d\n", $_, $h{$_} for @top;
my $text = join ' ', @words;
my $n = () = $text =~ /\b([aeiou])\w*\1\b/g;
print "matches $n\n";
(my $t = $text) =~ s/(\w+)/\U$1/g;
print length($t), " ", substr($t, 1000, 40), "\n";
my $packed = pack 'N*', map { length } @words;
print unpack('%32N*', $packed), "\n";
print scalar(keys %h), " distinct\n";
PL
}
compat_run perl perl work.pl
