//! The compiler's model of a connection as upstream stores it: type, URL template,
//! username, password, certificate and properties, every credential a source and never a
//! value. Lowering produces it; the tables receive it as
//! [`rampart_runtime::schema::ConnectionData`] only where they are written
//! ([`super::stored`]).

use std::collections::BTreeMap;

use rampart_runtime::schema::FieldSource;

use crate::source::Location;

/// One Connection document, lowered.
#[derive(Clone, Debug)]
pub struct LoweredConnection {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`, when the document has one.
    pub uid: Option<String>,
    /// The stored type (`postgres`, `aws`, `opensearch`, ...).
    pub connection_type: String,
    /// The URL template, itself a source (usually a literal template).
    pub url: Option<FieldSource>,
    /// The username source.
    pub username: Option<FieldSource>,
    /// The password source.
    pub password: Option<FieldSource>,
    /// The certificate source.
    pub certificate: Option<FieldSource>,
    /// Property name -> source.
    pub properties: BTreeMap<String, FieldSource>,
    /// HTTP headers, in written order; stored as the property `headers`, upstream's JSON
    /// list of EnvVars, when there is any.
    pub headers: Vec<Header>,
    /// The column `insecure_tls`: the flag of a section upstream stores it for (http,
    /// aws, awskms, s3, elasticsearch), or the deprecated generic `spec.insecure_tls`.
    pub insecure_tls: bool,
    /// Where the document names the connection.
    pub location: Location,
}

/// One HTTP header: a name and where its value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The header's name.
    pub name: String,
    /// Its value: a literal, or a source.
    pub source: FieldSource,
}
