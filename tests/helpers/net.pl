#!/usr/bin/perl
# Socket endpoints for tests/net.bats, in Perl because perl-base (and its
# Socket module) is part of every Debian system, unlike nc or python3.
#
#   net.pl serve FAMILY ADDR PORTFILE NREAD REPLY [noaddr]
#       listen on ADDR port 0 (FAMILY inet or inet6), write the port to
#       PORTFILE, accept one connection, read NREAD bytes, send REPLY,
#       read until EOF, close. "noaddr": accept(2) with no sockaddr buffer.
#   net.pl serve-unix PATH READYFILE NREAD REPLY
#       the same on an AF_UNIX stream socket at PATH ("@name": abstract).
#   net.pl connect-unix PATH PAYLOAD NREAD
#       connect to PATH, send PAYLOAD, read NREAD bytes, close.
#   net.pl freeport FAMILY ADDR
#       print a port nothing listens on (bound, then closed).
#   net.pl bind FAMILY ADDR PORT [OPT,...]
#       bind a TCP socket after setting the options (reuseaddr, reuseport,
#       freebind); prints the errno of bind, 0 on success.
#   net.pl overflow FAMILY ADDR PORTFILE SECONDS
#       a listener with a full accept queue: one connection fills it, a
#       second one's SYN is dropped and retransmitted; exits after SECONDS.
use strict;
use warnings;
use Socket qw(:all);
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use POSIX ();

sub fam { $_[0] eq 'inet6' ? AF_INET6 : AF_INET }

sub sockaddr_of {
	my ($family, $addr, $port) = @_;
	return $family == AF_INET6
		? pack_sockaddr_in6($port, inet_pton(AF_INET6, $addr))
		: pack_sockaddr_in($port, inet_pton(AF_INET, $addr));
}

sub port_of {
	my ($family, $sa) = @_;
	my ($port) = $family == AF_INET6 ? unpack_sockaddr_in6($sa) : unpack_sockaddr_in($sa);
	return $port;
}

sub write_file {
	my ($path, $text) = @_;
	open(my $fh, '>', "$path.tmp") or die "$path.tmp: $!";
	print $fh $text;
	close($fh);
	rename("$path.tmp", $path) or die "$path: $!";
}

sub listener {
	my ($family, $addr, $backlog) = @_;
	socket(my $s, $family, SOCK_STREAM, 0) or die "socket: $!";
	bind($s, sockaddr_of($family, $addr, 0)) or die "bind: $!";
	listen($s, $backlog) or die "listen: $!";
	return $s;
}

sub read_n {
	my ($fh, $n) = @_;
	my ($buf, $got) = ('', 0);
	while ($got < $n) {
		my $r = sysread($fh, $buf, $n - $got, $got);
		die "read: $!" unless defined $r;
		last unless $r;
		$got += $r;
	}
	return $buf;
}

sub session {
	my ($c, $nread, $reply) = @_;
	read_n($c, $nread);
	syswrite($c, $reply) == length($reply) or die "write: $!";
	1 while sysread($c, my $junk, 4096);
	close($c);
}

sub accept_noaddr {
	my ($s) = @_;
	my %nr = (x86_64 => 288, aarch64 => 242); # accept4
	my $arch = (POSIX::uname())[4];
	my $fd = syscall($nr{$arch} // die("no accept4 number for $arch"), fileno($s), 0, 0, 0);
	die "accept4: $!" if $fd < 0;
	open(my $c, '+<&=', $fd) or die "fdopen: $!";
	return $c;
}

my $cmd = shift // die "usage: see the header of $0\n";
if ($cmd eq 'serve') {
	my ($f, $addr, $portfile, $nread, $reply, $mode) = @ARGV;
	my $family = fam($f);
	my $s = listener($family, $addr, 8);
	write_file($portfile, port_of($family, getsockname($s)));
	my $c;
	if (($mode // '') eq 'noaddr') {
		$c = accept_noaddr($s);
	} else {
		accept($c, $s) or die "accept: $!";
	}
	session($c, $nread, $reply);
	close($s);
} elsif ($cmd eq 'serve-unix') {
	my ($path, $ready, $nread, $reply) = @ARGV;
	$path =~ s/^@/\0/;
	socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	bind($s, pack_sockaddr_un($path)) or die "bind: $!";
	listen($s, 8) or die "listen: $!";
	write_file($ready, "ready");
	accept(my $c, $s) or die "accept: $!";
	session($c, $nread, $reply);
	close($s);
} elsif ($cmd eq 'connect-unix') {
	my ($path, $payload, $nread) = @ARGV;
	$path =~ s/^@/\0/;
	socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	connect($s, pack_sockaddr_un($path)) or die "connect: $!";
	syswrite($s, $payload);
	read_n($s, $nread);
	close($s);
} elsif ($cmd eq 'freeport') {
	my ($f, $addr) = @ARGV;
	my $family = fam($f);
	socket(my $s, $family, SOCK_STREAM, 0) or die "socket: $!";
	bind($s, sockaddr_of($family, $addr, 0)) or die "bind: $!";
	print port_of($family, getsockname($s)), "\n";
	close($s);
} elsif ($cmd eq 'bind') {
	my ($f, $addr, $port, $opts) = @ARGV;
	my $family = fam($f);
	my %opt = (reuseaddr => [SOL_SOCKET, SO_REUSEADDR], reuseport => [SOL_SOCKET, SO_REUSEPORT],
		   freebind => [IPPROTO_IP, 15]); # IP_FREEBIND
	socket(my $s, $family, SOCK_STREAM, 0) or die "socket: $!";
	for my $o (split(/,/, $opts // '')) {
		my $o_ = $opt{$o} // die "unknown option $o";
		setsockopt($s, $o_->[0], $o_->[1], 1) or die "setsockopt $o: $!";
	}
	print bind($s, sockaddr_of($family, $addr, $port)) ? 0 : $! + 0, "\n";
	close($s);
} elsif ($cmd eq 'overflow') {
	my ($f, $addr, $portfile, $secs) = @ARGV;
	my $family = fam($f);
	my $s = listener($family, $addr, 0);
	my $port = port_of($family, getsockname($s));
	socket(my $c1, $family, SOCK_STREAM, 0) or die "socket: $!";
	connect($c1, sockaddr_of($family, $addr, $port)) or die "connect: $!";
	socket(my $c2, $family, SOCK_STREAM, 0) or die "socket: $!";
	my $flags = fcntl($c2, F_GETFL, 0);
	fcntl($c2, F_SETFL, $flags | O_NONBLOCK) or die "fcntl: $!";
	connect($c2, sockaddr_of($family, $addr, $port)); # EINPROGRESS
	write_file($portfile, $port);
	select(undef, undef, undef, $secs);
} else {
	die "unknown command '$cmd'\n";
}
