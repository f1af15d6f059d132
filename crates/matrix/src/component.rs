use core::fmt;

macro_rules! components {
    ($($variant:ident => $id:literal, $name:literal, $doc:literal;)*) => {
        /// A SwyxWare component: one table of the port matrix.
        ///
        /// ```
        /// use swyx_matrix::Component;
        /// assert_eq!(Component::SwyxIt.id(), "swyx_it");
        /// assert_eq!(Component::SwyxIt.to_string(), "SwyxIt!/SwyxFaxClient");
        /// assert_eq!(Component::from_id("media_pack"), Some(Component::MediaPack));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum Component {
            $(#[doc = $doc] $variant,)*
        }

        impl Component {
            /// Every component, in the matrix document's order.
            pub const ALL: [Component; [$(Component::$variant),*].len()] = [$(Component::$variant),*];

            /// The stable snake_case id used in output and matrix files.
            pub const fn id(self) -> &'static str {
                match self { $(Component::$variant => $id,)* }
            }

            /// The component's name as the matrix document spells it.
            pub const fn name(self) -> &'static str {
                match self { $(Component::$variant => $name,)* }
            }

            /// The rust path of this variant, for generated code.
            pub(crate) const fn variant(self) -> &'static str {
                match self { $(Component::$variant => stringify!($variant),)* }
            }
        }
    };
}

components! {
    SwyxServer => "swyx_server", "SwyxServer", "SwyxServer: call control.";
    ConfigDataStore => "config_data_store", "ConfigDataStore", "ConfigDataStore-Service (CDS).";
    SwyxGate => "swyx_gate", "SwyxGate", "SwyxGate.";
    LinkManager => "link_manager", "LinkManager", "LinkManager.";
    ConferenceManager => "conference_manager", "ConferenceManager", "ConferenceManager.";
    PhoneManager => "phone_manager", "PhoneManager", "PhoneManager.";
    SwyxFaxServer => "swyx_fax_server", "SwyxFaxServer", "SwyxFaxServer.";
    SwyxFaxPrinterGateway => "swyx_fax_printer_gateway", "SwyxFax PrinterGateway", "SwyxFax PrinterGateway.";
    MobileExtensionManager => "mobile_extension_manager", "MobileExtensionManager (MEM)", "MobileExtensionManager (MEM).";
    SwyxCtiPlus => "swyx_cti_plus", "SwyxCTI+", "SwyxCTI+.";
    SwyxIt => "swyx_it", "SwyxIt!/SwyxFaxClient", "SwyxIt! and SwyxFaxClient.";
    SwyxWareAdministration => "swyx_ware_administration", "SwyxWare Administration", "SwyxWare Administration.";
    SwyxPhoneL4xx => "swyx_phone_l4xx", "SwyxPhone L4xx; L5xx; L6xx", "SwyxPhone L4xx, L5xx and L6xx.";
    SwyxPhoneS315 => "swyx_phone_s315", "SwyxPhone S315", "SwyxPhone S315.";
    SwyxDect500 => "swyx_dect_500", "SwyxDect 500", "SwyxDect 500.";
    SwyxDect800 => "swyx_dect_800", "SwyxDect 800", "SwyxDect 800.";
    SwyxConnect172x => "swyx_connect_172x", "SwyxConnect (172x)", "SwyxConnect 172x gateway.";
    SwyxConnect6xxx => "swyx_connect_6xxx", "SwyxConnect (6xxx)", "SwyxConnect 6xxx gateway.";
    MediaPack => "media_pack", "MediaPack (MP-1xy)", "MediaPack MP-1xy gateway.";
}

impl Component {
    /// The component whose [`id`](Component::id) is `id`.
    pub fn from_id(id: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
