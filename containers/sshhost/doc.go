// Package sshhost makes an existing xrdp host a harness.Target, reached
// only over SSH (golang.org/x/crypto/ssh and github.com/pkg/sftp; nothing
// shells out to ssh), the way Jepsen drives its nodes.
//
// Connect verifies the host key (a known_hosts file or a pinned SHA256
// fingerprint: there is no way to skip it), logs in with an identity file
// or the SSH agent, and checks that the login is root or may run `sudo -n`
// before anything else happens. It then reads the host's own
// /etc/xrdp/xrdp.ini and sesman.ini for the RDP and sesman ports and the
// log files, copies the static agent by SFTP into a fresh temporary
// directory, and forwards the RDP (and 0.9.x SCP) port to 127.0.0.1 on
// this machine: clients dial 127.0.0.1 only, as with containers.
//
// Watch runs the agent's sampler over an SSH session: its stdout is the
// same event stream containers.Server.Watch decodes. Exec runs a command
// as root (directly or through sudo -n) with every argument shell-quoted,
// so the faults of harness/fault act on a host as they do in a container.
// Close stops every agent this run started, removes the directory, and
// proves with a last check over SSH that nothing of it runs or remains.
//
// The test users' passwords come from a file or an environment variable,
// never from the scenario; they stay in Users() (the clients need them)
// and never reach Info, the Record or a report.
package sshhost
