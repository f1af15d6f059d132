//! Windows firewall commands: PowerShell `New-NetFirewallRule`, one per rule.

use std::io::{self, Write};

use super::{port_list, Basis, Direction, Firewall, Rule};

impl Firewall<'_> {
    /// PowerShell commands for the Windows firewall (SwyxWare runs on Windows servers): one
    /// `New-NetFirewallRule` per [`Rule`], with `-Direction Inbound` and `-LocalPort` for an
    /// inbound rule, `-Direction Outbound` and `-RemotePort` for an outbound one, `-Protocol
    /// UDP` or `TCP`, `-Action Allow`, and every rule in the group named after the matrix
    /// (`Remove-NetFirewallRule -Group 'SwyxWare 2013'` takes them all away again). Ports are
    /// a list of quoted items (`'5000-5020','5060'`); strings are single-quoted, so that
    /// PowerShell expands nothing in them.
    ///
    /// The commands only allow: which machine runs which component, and the profiles and
    /// default actions, are the admin's decisions (lines starting with `#` say so).
    ///
    /// ```
    /// use swyx_matrix::{Component, Matrix};
    /// use swyx_report::firewall::Firewall;
    /// let matrix = Matrix::swyxware_2013();
    /// let mut text = Vec::new();
    /// Firewall::new(&matrix, Some(&[Component::ConfigDataStore])).write_windows(&mut text)?;
    /// let text = String::from_utf8(text).unwrap();
    /// let command = text.lines().find(|l| !l.starts_with('#')).unwrap();
    /// assert_eq!(
    ///     command,
    ///     "New-NetFirewallRule -DisplayName 'SwyxWare ConfigDataStore Configuration CDS (TCP inbound)' \
    ///      -Group 'SwyxWare 2013' -Direction Inbound -Protocol TCP -LocalPort '9094','9095' -Action Allow"
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of `out`.
    pub fn write_windows(&self, out: &mut impl Write) -> io::Result<()> {
        let group = quote(&self.matrix.name);
        writeln!(
            out,
            "# {}: what the firewall must let through, per component (swyxpcap --firewall).",
            self.matrix.name
        )?;
        writeln!(
            out,
            "# Run in an elevated PowerShell the lines of the components this machine runs. Every"
        )?;
        writeln!(
            out,
            "# rule allows; the profiles and the default actions are the admin's decision. Undo:"
        )?;
        writeln!(out, "# Remove-NetFirewallRule -Group {group}")?;
        let mut current = None;
        for rule in &self.rules {
            if current != Some(rule.component) {
                current = Some(rule.component);
                writeln!(out, "# {} ({})", rule.component, rule.component.id())?;
            }
            writeln!(out, "{}", command(rule, &group))?;
        }
        Ok(())
    }
}

/// One `New-NetFirewallRule` line.
fn command(rule: &Rule<'_>, group: &str) -> String {
    let transport = rule.transport.to_string();
    let mut name = format!("SwyxWare {} {}", rule.component, rule.classification);
    let protocol = rule.protocol_text();
    if !protocol.is_empty() {
        name.push(' ');
        name.push_str(&protocol);
    }
    if rule.basis == Basis::MediaNote {
        name.push_str(" to peers");
    }
    let (direction, port_parameter) = match rule.direction {
        Direction::Inbound => ("Inbound", "LocalPort"),
        Direction::Outbound => ("Outbound", "RemotePort"),
    };
    name.push_str(&format!(" ({transport} {})", rule.direction.id()));
    let ports: Vec<String> = port_list(&rule.ports, "\n", false)
        .lines()
        .map(quote)
        .collect();
    let mut line = format!(
        "New-NetFirewallRule -DisplayName {} -Group {group} -Direction {direction} -Protocol \
         {transport} -{port_parameter} {} -Action Allow",
        quote(&name),
        ports.join(","),
    );
    let description = match rule.basis {
        Basis::Row if !rule.configurable_via.is_empty() => {
            format!("Configurable via: {}", rule.configurable_via)
        }
        Basis::Row => String::new(),
        Basis::MediaNote => {
            "Audio and fax go directly between the connected clients: the peers' media ports"
                .to_owned()
        }
    };
    if !description.is_empty() {
        line.push_str(" -Description ");
        line.push_str(&quote(&description));
    }
    line
}

/// `text` as a PowerShell single-quoted string. PowerShell takes the typographic single
/// quotes for `'` too: they are doubled like it, and control characters become spaces.
fn quote(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' => out.push_str("''"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use swyx_matrix::{Component, Matrix};

    fn commands(components: Option<&[Component]>) -> String {
        let matrix = Matrix::swyxware_2013();
        let mut text = Vec::new();
        Firewall::new(&matrix, components)
            .write_windows(&mut text)
            .unwrap();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn outbound_rules_name_the_remote_port() {
        let text = commands(Some(&[Component::SwyxPhoneL4xx]));
        let ntp = text
            .lines()
            .find(|l| l.contains(" NTP "))
            .unwrap_or_default();
        assert!(ntp.contains("-Direction Outbound -Protocol UDP -RemotePort '123' -Action Allow"));
        let rtp = text
            .lines()
            .find(|l| l.contains("Audio RTP (UDP inbound)"))
            .unwrap_or_default();
        assert!(
            rtp.contains("-Direction Inbound -Protocol UDP -LocalPort '5000-5020' -Action Allow")
        );
    }

    #[test]
    fn configurable_via_becomes_the_description() {
        let text = commands(Some(&[Component::SwyxServer]));
        assert!(
            text.contains("-Description 'Configurable via: Registry: RTPFirstPort, RTPLastPort'")
        );
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\u{2019}b\tc"), "'a''b c'");
    }

    #[test]
    fn every_command_line_is_a_new_rule() {
        let text = commands(None);
        let matrix = Matrix::swyxware_2013();
        let count = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(count, super::super::rules(&matrix, None).len());
        assert!(text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l.starts_with("New-NetFirewallRule -DisplayName 'SwyxWare ")));
    }
}
