//! The nftables ruleset: a chain per component and direction, jumped to from the base chains.

use std::io::{self, Write};

use swyx_matrix::{Component, PortRange};

use super::{port_list, Basis, Direction, Firewall, Rule};

/// The longest comment nftables takes, in bytes.
const MAX_COMMENT: usize = 128;

impl Firewall<'_> {
    /// An nftables ruleset that `nft -f` loads: `table inet swyxware` with a regular chain
    /// per component and direction (`swyx_server_in`, `swyx_server_out`, ...) holding one
    /// `accept` rule per [`Rule`], and the base chains `input` and `output` that jump to
    /// them.
    ///
    /// One machine runs one or a few components: the admin keeps the jumps of those it
    /// hosts. The base chains keep `policy accept`, so the ruleset drops nothing by itself;
    /// the admin decides the policy. Each base chain first accepts `ct state
    /// established,related`, so that with a `drop` policy the replies of allowed
    /// connections still pass. Loading the file again replaces the table.
    ///
    /// ```
    /// use swyx_matrix::{Component, Matrix};
    /// use swyx_report::firewall::Firewall;
    /// let matrix = Matrix::swyxware_2013();
    /// let mut text = Vec::new();
    /// Firewall::new(&matrix, Some(&[Component::SwyxPhoneS315])).write_nft(&mut text)?;
    /// let text = String::from_utf8(text).unwrap();
    /// assert!(text.contains("chain swyx_phone_s315_in {"));
    /// assert!(text.contains("udp dport { 5000-5009, 5060 } accept comment"));
    /// assert!(text.contains("jump swyx_phone_s315_in"));
    /// assert!(text.contains("policy accept;"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of `out`.
    pub fn write_nft(&self, out: &mut impl Write) -> io::Result<()> {
        let name = comment_text(&self.matrix.name);
        writeln!(out, "#!/usr/sbin/nft -f")?;
        writeln!(
            out,
            "# {name}: what the firewall must let through, per component (swyxpcap --firewall)."
        )?;
        writeln!(
            out,
            "# The base chains input and output keep policy accept: this ruleset drops nothing by"
        )?;
        writeln!(
            out,
            "# itself; the admin decides the policy. Keep the jumps of the components this machine"
        )?;
        writeln!(
            out,
            "# runs and delete the others; with policy drop, the ct state rule lets the replies of"
        )?;
        writeln!(out, "# allowed connections through.")?;
        writeln!(
            out,
            "# The first two commands create the table if it is missing, then delete it: loading"
        )?;
        writeln!(out, "# the file again replaces the table.")?;
        writeln!(out, "table inet swyxware")?;
        writeln!(out, "delete table inet swyxware")?;
        writeln!(out)?;
        writeln!(out, "table inet swyxware {{")?;
        let mut jumps: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        for component in self.components() {
            for (slot, direction) in [Direction::Inbound, Direction::Outbound]
                .into_iter()
                .enumerate()
            {
                let rules: Vec<&Rule<'_>> = self
                    .rules
                    .iter()
                    .filter(|r| r.component == component && r.direction == direction)
                    .collect();
                if rules.is_empty() {
                    continue;
                }
                let chain = chain_name(component, direction);
                writeln!(out, "\tchain {chain} {{")?;
                for rule in rules {
                    writeln!(out, "\t\t{}", rule_line(rule))?;
                }
                writeln!(out, "\t}}")?;
                jumps[slot].push(chain);
            }
        }
        for (base, hook, jumps) in [
            ("input", "input", &jumps[0]),
            ("output", "output", &jumps[1]),
        ] {
            writeln!(out, "\tchain {base} {{")?;
            writeln!(
                out,
                "\t\ttype filter hook {hook} priority 0; policy accept;"
            )?;
            writeln!(out, "\t\tct state established,related accept")?;
            for chain in jumps {
                writeln!(out, "\t\tjump {chain}")?;
            }
            writeln!(out, "\t}}")?;
        }
        writeln!(out, "}}")
    }
}

/// `swyx_server_in` or `swyx_server_out`.
fn chain_name(component: Component, direction: Direction) -> String {
    let suffix = match direction {
        Direction::Inbound => "in",
        Direction::Outbound => "out",
    };
    format!("{}_{suffix}", component.id())
}

/// `udp dport { 5000-5020, 5060 } accept comment "..."`.
fn rule_line(rule: &Rule<'_>) -> String {
    let ports = match rule.ports.as_slice() {
        [one] => port_list(&[*one], ", ", false),
        many => format!("{{ {} }}", port_list(many, ", ", false)),
    };
    format!(
        "{} dport {ports} accept comment \"{}\"",
        rule.transport.id(),
        comment(rule)
    )
}

/// `SwyxServer Audio RTP`, `... to peers' media ports`, `... (TLS on 1300, 1721)`.
fn comment(rule: &Rule<'_>) -> String {
    let mut text = format!("{} {}", rule.component, rule.classification);
    let protocol = rule.protocol_text();
    if !protocol.is_empty() {
        text.push(' ');
        text.push_str(&protocol);
    }
    if rule.basis == Basis::MediaNote {
        text.push_str(" to the peers' media ports");
    }
    let tls: Vec<PortRange> = rule.ports.iter().filter(|r| r.tls).copied().collect();
    if !tls.is_empty() {
        text.push_str(&format!(" (TLS on {})", port_list(&tls, ", ", false)));
    }
    comment_text(&text)
}

/// `text` as the inside of an nftables string: no quotes, backslashes or control
/// characters, at most [`MAX_COMMENT`] bytes.
fn comment_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = match c {
            '"' => '\'',
            '\\' => '/',
            c if c.is_control() => ' ',
            c => c,
        };
        if out.len() + c.len_utf8() > MAX_COMMENT {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use swyx_matrix::Matrix;

    fn ruleset(components: Option<&[Component]>) -> String {
        let matrix = Matrix::swyxware_2013();
        let mut text = Vec::new();
        Firewall::new(&matrix, components)
            .write_nft(&mut text)
            .unwrap();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn the_ruleset_never_drops_by_default() {
        let text = ruleset(None);
        let commands: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(commands
            .iter()
            .all(|l| !l.contains("drop") && !l.contains("reject")));
        assert_eq!(text.matches("policy accept;").count(), 2);
        assert!(text.contains("type filter hook input priority 0; policy accept;"));
        assert!(text.contains("type filter hook output priority 0; policy accept;"));
    }

    #[test]
    fn each_component_direction_has_its_chain_and_jump() {
        let text = ruleset(Some(&[Component::SwyxServer, Component::ConfigDataStore]));
        for chain in ["swyx_server_in", "swyx_server_out", "config_data_store_in"] {
            assert!(text.contains(&format!("\tchain {chain} {{")), "{chain}");
            assert_eq!(
                text.matches(&format!("jump {chain}\n")).count(),
                1,
                "{chain}"
            );
        }
        // The ConfigDataStore never initiates connections: no outbound chain.
        assert!(!text.contains("config_data_store_out"));
        assert!(!text.contains("swyx_gate"));
    }

    #[test]
    fn outbound_rules_match_the_destination_port() {
        let text = ruleset(Some(&[Component::SwyxIt]));
        let out = text
            .split("\tchain swyx_it_out {")
            .nth(1)
            .and_then(|rest| rest.split("\t}").next())
            .unwrap_or_default();
        assert!(out.contains("tcp dport { 9094, 9095 } accept"));
        assert!(out.contains("udp dport 712 accept"));
        assert!(out.contains("tcp dport 712 accept"));
    }

    #[test]
    fn comments_are_quoted_strings_within_the_limit() {
        let text = ruleset(None);
        for line in text.lines().filter(|l| l.contains(" accept comment ")) {
            let comment = line.split(" accept comment ").nth(1).unwrap_or_default();
            assert!(comment.starts_with('"') && comment.ends_with('"'), "{line}");
            assert_eq!(comment.matches('"').count(), 2, "{line}");
            assert!(comment.len() - 2 <= MAX_COMMENT, "{line}");
        }
        assert!(text.contains("comment \"PhoneManager CallControl H.323 (TLS on 1300, 1721)\""));
        assert_eq!(comment_text("a\"b\\c\nd"), "a'b/c d");
        assert_eq!(comment_text(&"é".repeat(100)).len(), MAX_COMMENT);
    }
}
