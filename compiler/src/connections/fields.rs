//! The typed sections of `Connection.spec`, field by field, exactly as the upstream CRD
//! shapes them: one table that both the parser ([`super::connection`]) and the JSON
//! Schema (`rampart schema connection`) read, so the two cannot disagree.
//!
//! For each field: its shape, whether the CRD requires it, whether it holds a credential
//! (a literal `value` is then refused: it would be stored in the tables), and where it
//! goes in the stored model (url, username, password, certificate, or a property).

/// The shape of a field.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// A plain string.
    String,
    /// `true` / `false`.
    Bool,
    /// An integer.
    Int,
    /// A Kubernetes EnvVar: `{value}` or `{valueFrom: {secretKeyRef | configMapKeyRef |
    /// helmRef | serviceAccount}}`.
    EnvVar,
    /// A list of strings.
    StringList,
    /// A mapping of strings.
    StringMap,
    /// A list of EnvVars with names (HTTP headers).
    EnvVarList,
    /// A nested section ([`OAUTH`], [`TLS`], [`AWS_SIGV4`]).
    Nested(&'static [Field]),
}

/// Where a field's value goes in the stored model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The URL (templated).
    Url,
    /// The username.
    Username,
    /// The password.
    Password,
    /// The certificate.
    Certificate,
    /// A property of this name (templated).
    Property(&'static str),
    /// `insecure_tls`.
    InsecureTls,
    /// Used by the section's URL template or special handling only.
    Template,
}

/// One field of a section.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The YAML key.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// Whether the upstream CRD requires it.
    pub required: bool,
    /// Whether it holds a credential.
    pub secret: bool,
    /// Where it goes.
    pub slot: Slot,
}

const fn f(name: &'static str, shape: Shape, slot: Slot) -> Field {
    Field {
        name,
        shape,
        required: false,
        secret: false,
        slot,
    }
}

const fn required(field: Field) -> Field {
    Field {
        required: true,
        ..field
    }
}

const fn secret(field: Field) -> Field {
    Field {
        secret: true,
        ..field
    }
}

use Shape::{Bool, EnvVar, Int, String as Str, StringList, StringMap};
use Slot::{Certificate, InsecureTls, Password, Property, Template, Url, Username};

/// `http.oauth`, `prometheus.oauth`.
pub const OAUTH: &[Field] = &[
    f("clientID", EnvVar, Property("clientID")),
    secret(f("clientSecret", EnvVar, Property("clientSecret"))),
    f("scope", StringList, Property("scopes")),
    f("tokenURL", Str, Property("tokenURL")),
    f("params", StringMap, Property("params")),
];

/// `http.tls`, `prometheus.tls`.
pub const TLS: &[Field] = &[
    f("insecureSkipVerify", Bool, Template),
    f("handshakeTimeout", Int, Property("handshakeTimeout")),
    f("ca", EnvVar, Property("ca")),
    f("cert", EnvVar, Property("cert")),
    secret(f("key", EnvVar, Property("key"))),
];

/// `http.awsSigV4`.
pub const AWS_SIGV4: &[Field] = &[
    f("url", EnvVar, Property("awsSigV4.url")),
    f("region", Str, Property("awsSigV4.region")),
    f("profile", Str, Property("awsSigV4.profile")),
    f("insecureTLS", Bool, Property("awsSigV4.insecureTLS")),
    f("accessKey", EnvVar, Property("awsSigV4.accessKey")),
    secret(f("secretKey", EnvVar, Property("awsSigV4.secretKey"))),
    secret(f("sessionToken", EnvVar, Property("awsSigV4.sessionToken"))),
    f("assumeRole", Str, Property("awsSigV4.assumeRole")),
    f("service", Str, Property("awsSigV4.service")),
];

/// One typed section.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    /// The key under `spec`.
    pub key: &'static str,
    /// The stored connection type.
    pub stored_type: &'static str,
    /// The upstream Go type, for descriptions.
    pub upstream: &'static str,
    /// Its fields.
    pub fields: &'static [Field],
    /// Where upstream stores the section's own insecure-TLS flag (its field of slot
    /// [`Slot::InsecureTls`]).
    pub insecure_tls: InsecureTlsStorage,
}

/// Where upstream stores a section's insecure-TLS flag: the string property
/// `insecure_tls` (`"true"`/`"false"`, written whether or not the flag is set), the
/// boolean column `insecure_tls`, both, or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsecureTlsStorage {
    /// Written as the property `insecure_tls`, always.
    pub property: bool,
    /// Written to the column `insecure_tls`.
    pub column: bool,
}

const NOWHERE: InsecureTlsStorage = InsecureTlsStorage {
    property: false,
    column: false,
};
const PROPERTY: InsecureTlsStorage = InsecureTlsStorage {
    property: true,
    column: false,
};
const COLUMN: InsecureTlsStorage = InsecureTlsStorage {
    property: false,
    column: true,
};
const BOTH: InsecureTlsStorage = InsecureTlsStorage {
    property: true,
    column: true,
};

macro_rules! aws_fields {
    ($($extra:expr),*) => {
        [
            f("url", EnvVar, Url),
            f("region", Str, Property("region")),
            f("profile", Str, Property("profile")),
            f("insecureTLS", Bool, InsecureTls),
            f("accessKey", EnvVar, Username),
            secret(f("secretKey", EnvVar, Password)),
            secret(f("sessionToken", EnvVar, Property("sessionToken"))),
            f("assumeRole", Str, Property("assumeRole")),
            $($extra),*
        ]
    };
}

const AWS_FIELDS: [Field; 8] = aws_fields!();
const AWSKMS_FIELDS: [Field; 9] = aws_fields!(required(f("keyID", Str, Property("keyID"))));
const S3_FIELDS: [Field; 10] = aws_fields!(
    required(f("bucket", Str, Property("bucket"))),
    f("usePathStyle", Bool, Property("usePathStyle"))
);

/// Every typed section, in the order upstream applies them.
pub const SECTIONS: &[Section] = &[
    Section {
        key: "aws",
        stored_type: "aws",
        upstream: "ConnectionAWS",
        fields: &AWS_FIELDS,
        insecure_tls: COLUMN,
    },
    Section {
        key: "awskms",
        stored_type: "aws_kms",
        upstream: "ConnectionAWSKMS",
        fields: &AWSKMS_FIELDS,
        insecure_tls: COLUMN,
    },
    Section {
        key: "s3",
        stored_type: "s3",
        upstream: "ConnectionAWSS3",
        fields: &S3_FIELDS,
        insecure_tls: COLUMN,
    },
    Section {
        key: "azure",
        stored_type: "azure",
        upstream: "ConnectionAzure",
        fields: &[
            required(f("clientID", EnvVar, Username)),
            secret(f("clientSecret", EnvVar, Password)),
            required(f("tenantID", EnvVar, Property("tenant"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "azureKeyVault",
        stored_type: "azure_key_vault",
        upstream: "ConnectionAzureKeyVault",
        fields: &[
            required(f("clientID", EnvVar, Username)),
            secret(f("clientSecret", EnvVar, Password)),
            required(f("tenantID", EnvVar, Property("tenant"))),
            required(f("keyID", Str, Property("keyID"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "azureDevops",
        stored_type: "azure_devops",
        upstream: "ConnectionAzureDevops",
        fields: &[
            f("url", Str, Url),
            required(f("organization", Str, Username)),
            required(secret(f("personalAccessToken", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "gcp",
        stored_type: "google_cloud",
        upstream: "ConnectionGCP",
        fields: &[
            f("endpoint", EnvVar, Url),
            secret(f("certificate", EnvVar, Certificate)),
            f("project", Str, Property("project")),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "gcpkms",
        stored_type: "gcp_kms",
        upstream: "ConnectionGCPKMS",
        fields: &[
            f("endpoint", EnvVar, Url),
            secret(f("certificate", EnvVar, Certificate)),
            f("project", Str, Property("project")),
            required(f("keyID", Str, Property("keyID"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "gcs",
        stored_type: "gcs",
        upstream: "ConnectionGCS",
        fields: &[
            f("endpoint", EnvVar, Url),
            secret(f("certificate", EnvVar, Certificate)),
            f("project", Str, Property("project")),
            required(f("bucket", Str, Property("bucket"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "anthropic",
        stored_type: "anthropic",
        upstream: "ConnectionAnthropic",
        fields: &[
            f("model", Str, Property("model")),
            f("url", EnvVar, Url),
            required(secret(f("apiKey", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "ollama",
        stored_type: "ollama",
        upstream: "ConnectionOllama",
        fields: &[
            f("model", Str, Property("model")),
            f("url", EnvVar, Url),
            secret(f("apiKey", EnvVar, Password)),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "openai",
        stored_type: "openai",
        upstream: "ConnectionOpenAI",
        fields: &[
            f("model", Str, Property("model")),
            f("url", EnvVar, Url),
            required(secret(f("apiKey", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "gemini",
        stored_type: "gemini",
        upstream: "ConnectionGemini",
        fields: &[
            f("model", Str, Property("model")),
            required(secret(f("apiKey", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "elasticsearch",
        stored_type: "elasticsearch",
        upstream: "ConnectionElasticsearch",
        fields: &[
            required(f("url", Str, Url)),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("insecureTLS", Bool, InsecureTls),
        ],
        insecure_tls: COLUMN,
    },
    Section {
        key: "facet",
        stored_type: "facet",
        upstream: "ConnectionFacet",
        fields: &[
            required(f("url", Str, Url)),
            secret(f("token", EnvVar, Password)),
            f("timestampUrl", Str, Property("timestampUrl")),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "folder",
        stored_type: "folder",
        upstream: "ConnectionFolder",
        fields: &[required(f("path", Str, Property("path")))],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "git",
        stored_type: "git",
        upstream: "ConnectionGit",
        fields: &[
            required(f("url", Str, Url)),
            required(f("ref", Str, Property("ref"))),
            secret(f("certificate", EnvVar, Certificate)),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "github",
        stored_type: "github",
        upstream: "ConnectionGitHub",
        fields: &[
            f("url", Str, Url),
            required(secret(f("personalAccessToken", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "gitlab",
        stored_type: "gitlab",
        upstream: "ConnectionGitLab",
        fields: &[
            f("url", Str, Url),
            required(secret(f("personalAccessToken", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "http",
        stored_type: "http",
        upstream: "ConnectionHTTP",
        fields: &[
            required(f("url", Str, Url)),
            f("insecureTLS", Bool, InsecureTls),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            secret(f("bearer", EnvVar, Property("bearer"))),
            f("oauth", Shape::Nested(OAUTH), Template),
            f("tls", Shape::Nested(TLS), Template),
            f("headers", Shape::EnvVarList, Property("headers")),
            f("awsSigV4", Shape::Nested(AWS_SIGV4), Template),
        ],
        insecure_tls: BOTH,
    },
    Section {
        key: "kubernetes",
        stored_type: "kubernetes",
        upstream: "ConnectionKubernetes",
        fields: &[required(secret(f("certificate", EnvVar, Certificate)))],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "loki",
        stored_type: "loki",
        upstream: "ConnectionLoki",
        fields: &[
            required(f("url", Str, Url)),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "mssql",
        stored_type: "sql_server",
        upstream: "ConnectionMSSQL",
        fields: &[
            f("url", EnvVar, Url),
            f("host", EnvVar, Property("host")),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("database", EnvVar, Property("database")),
            f(
                "trustServerCertificate",
                Bool,
                Property("trust_server_certificate"),
            ),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "mongo",
        stored_type: "mongo",
        upstream: "ConnectionMongo",
        fields: &[
            f("url", EnvVar, Url),
            f("host", EnvVar, Property("host")),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("database", EnvVar, Property("database")),
            f("replicaSet", Str, Property("replica_set")),
            f("insecureTLS", Bool, InsecureTls),
        ],
        insecure_tls: PROPERTY,
    },
    Section {
        key: "mysql",
        stored_type: "mysql",
        upstream: "ConnectionMySQL",
        fields: &[
            f("url", EnvVar, Url),
            f("host", EnvVar, Property("host")),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("database", EnvVar, Property("database")),
            f("insecureTLS", Bool, InsecureTls),
        ],
        insecure_tls: PROPERTY,
    },
    Section {
        key: "opensearch",
        stored_type: "opensearch",
        upstream: "OpensearchConnection",
        fields: &[
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("ntlm", Bool, Property("ntlm")),
            f("ntlmv2", Bool, Property("ntlmv2")),
            f("digest", Bool, Property("digest")),
            f("urls", StringList, Property("urls")),
            f("index", Str, Property("index")),
            f("insecureSkipVerify", Bool, InsecureTls),
        ],
        insecure_tls: PROPERTY,
    },
    Section {
        key: "postgres",
        stored_type: "postgres",
        upstream: "ConnectionPostgres",
        fields: &[
            f("url", EnvVar, Url),
            f("host", EnvVar, Property("host")),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("database", EnvVar, Property("database")),
            f("insecureTLS", Bool, InsecureTls),
        ],
        insecure_tls: PROPERTY,
    },
    Section {
        key: "prometheus",
        stored_type: "prometheus",
        upstream: "ConnectionPrometheus",
        fields: &[
            f("url", EnvVar, Url),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            secret(f("bearer", EnvVar, Property("bearer"))),
            f("oauth", Shape::Nested(OAUTH), Template),
            f("tls", Shape::Nested(TLS), Template),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "redis",
        stored_type: "redis",
        upstream: "ConnectionRedis",
        fields: &[
            required(f("url", Str, Url)),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "sftp",
        stored_type: "sftp",
        upstream: "ConnectionSFTP",
        fields: &[
            required(f("host", EnvVar, Url)),
            required(f("username", EnvVar, Username)),
            required(secret(f("password", EnvVar, Password))),
            f("port", Int, Template),
            required(f("path", Str, Property("path"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "smb",
        stored_type: "smb",
        upstream: "ConnectionSMB",
        fields: &[
            required(f("server", EnvVar, Url)),
            required(f("username", EnvVar, Username)),
            required(secret(f("password", EnvVar, Password))),
            f("port", EnvVar, Property("port")),
            required(f("share", Str, Property("share"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "discord",
        stored_type: "discord",
        upstream: "ConnectionDiscord",
        fields: &[
            required(secret(f("token", Str, Password))),
            required(f("webhookID", Str, Username)),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "ntfy",
        stored_type: "ntfy",
        upstream: "ConnectionNtfy",
        fields: &[
            required(f("topic", Str, Property("topic"))),
            required(f("host", Str, Template)),
            required(f("username", EnvVar, Username)),
            required(secret(f("password", EnvVar, Password))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "pushbullet",
        stored_type: "pushbullet",
        upstream: "ConnectionPushbullet",
        fields: &[
            required(secret(f("token", EnvVar, Password))),
            required(f("targets", StringList, Property("targets"))),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "pushover",
        stored_type: "pushover",
        upstream: "ConnectionPushover",
        fields: &[
            required(secret(f("token", EnvVar, Password))),
            required(f("user", Str, Username)),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "smtp",
        stored_type: "email",
        upstream: "ConnectionSMTP",
        fields: &[
            required(f("host", Str, Template)),
            f("username", EnvVar, Username),
            secret(f("password", EnvVar, Password)),
            f("insecureTLS", Bool, InsecureTls),
            f("encryption", Str, Template),
            f("port", Int, Template),
            required(f("fromAddress", Str, Template)),
            required(f("fromName", Str, Property("fromname"))),
            f("toAddresses", StringList, Template),
            f("subject", Str, Property("subject")),
            f("auth", Str, Template),
            f("headers", StringMap, Property("headers")),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "slack",
        stored_type: "slack",
        upstream: "ConnectionSlack",
        fields: &[
            secret(f("token", EnvVar, Password)),
            f("channel", Str, Username),
            f("botName", Str, Property("BotName")),
            f("color", Str, Property("Color")),
            f("icon", Str, Property("Icon")),
            f("thread_ts", Str, Property("ThreadTS")),
            f("title", Str, Property("Title")),
        ],
        insecure_tls: NOWHERE,
    },
    Section {
        key: "telegram",
        stored_type: "telegram",
        upstream: "ConnectionTelegram",
        fields: &[
            required(secret(f("token", EnvVar, Password))),
            required(f("chats", EnvVar, Username)),
        ],
        insecure_tls: NOWHERE,
    },
];

/// The generic (deprecated) fields of `spec`.
pub const GENERIC: &[Field] = &[
    f("url", EnvVar, Url),
    f("port", EnvVar, Property("port")),
    f("type", Str, Template),
    f("username", EnvVar, Username),
    secret(f("password", EnvVar, Password)),
    secret(f("certificate", EnvVar, Certificate)),
    f("properties", StringMap, Template),
    f("insecure_tls", Bool, InsecureTls),
];

/// The section of a `spec` key.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.key == key)
}
