#!/usr/bin/env bash
# Makes a corpus of real service units for `scripts/bench-run.py --check --corpus DIR`: downloads
# the .deb files of Debian packages that ship systemd service units (apt-get download: no
# dependencies, nothing installed) and unpacks them with dpkg-deb -x under DIR/root/. The units
# are then DIR/root/{lib,usr/lib}/systemd/system/*.service (bench-run.py finds them recursively and
# counts each distinct file once). Needs `apt-get update` once on a fresh machine.
#
# Usage: scripts/unit-corpus.sh DIR
set -euo pipefail
dir="${1:?usage: $0 DIR}"
mkdir -p "$dir/debs" "$dir/root"
# Debian 12 packages whose own files include service units (a daemon each, or a few).
packages=(
    openssh-server cups-daemon cups-browsed avahi-daemon bluez network-manager modemmanager
    udisks2 upower polkitd accountsservice rsyslog cron anacron lvm2 mdadm open-iscsi
    multipath-tools libvirt-daemon-system docker.io containerd nginx-common apache2 samba winbind
    postfix bind9 dnsmasq unbound chrony ntpsec tor haproxy keepalived fwupd packagekit colord
    wpasupplicant nfs-common nfs-kernel-server rpcbind autofs sssd-common postgresql-common
    mariadb-server redis-server memcached prometheus prometheus-node-exporter munin-node
    zabbix-agent nagios-nrpe-server php8.2-fpm uwsgi openvpn strongswan-starter frr
    isc-dhcp-server kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-ctrl-agent radvd
    hostapd iwd connman tuned irqbalance thermald smartmontools fancontrol acpid apcupsd
    nut-server nut-client cockpit-ws plymouth kexec-tools kdump-tools sysstat auditd apparmor
    fail2ban clamav-daemon clamav-freshclam dovecot-core opendkim squid varnish lighttpd tomcat10
    icinga2-bin rasdaemon tgt open-vm-tools qemu-guest-agent cloud-init tpm2-abrmd pcscd
    fprintd iio-sensor-proxy switcheroo-control power-profiles-daemon bolt rtkit
    speech-dispatcher brltty gpm console-setup alsa-utils minidlna transmission-daemon prosody
    mosquitto rabbitmq-server erlang-base zookeeperd etcd-server nsd pdns-server pdns-recursor
    coturn kamailio postgrey rspamd systemd-container systemd-homed
    systemd-journal-remote systemd-resolved systemd-timesyncd systemd-userdbd systemd-oomd
    e2fsprogs util-linux man-db logrotate apt dbus gdm3 lightdm sddm
    knot knot-resolver bird2 ifupdown ulogd2 conntrackd ipvsadm ldirectord corosync pacemaker
    glusterfs-server ceph-base slapd krb5-kdc krb5-admin-server
)
cd "$dir/debs"
apt-get download "${packages[@]}"
for deb in *.deb; do dpkg-deb -x "$deb" ../root; done
find ../root -name '*.service' | wc -l | xargs echo "unit-corpus: service files:"
