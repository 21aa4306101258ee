//! The stored model: a lowered connection as the table file holds it
//! ([`ConnectionData`]). This is the only place the conversion happens, called where the
//! tables are written.

use rampart_runtime::schema::ConnectionData;

use super::model::LoweredConnection;

/// The table's record of a lowered connection.
pub fn connection_data(c: &LoweredConnection) -> ConnectionData {
    ConnectionData {
        namespace: c.namespace.clone(),
        name: c.name.clone(),
        uid: c.uid.clone(),
        connection_type: c.connection_type.clone(),
        url: c.url.clone(),
        username: c.username.clone(),
        password: c.password.clone(),
        certificate: c.certificate.clone(),
        properties: c
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        source: c.location.display(),
    }
}
