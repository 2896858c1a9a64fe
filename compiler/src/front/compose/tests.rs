//! Unit tests of the compose frontend on small inline files.

use std::path::Path;

use super::*;

fn import_text(text: &str) -> Result<Imported, Vec<Diagnostic>> {
    import(
        "compose.yaml",
        text.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
    )
}

#[test]
fn reference_like_file_imports() {
    let text = "name: demo\nservices:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n    ports: [\"5432:5432\"]\n    volumes: [data:/var/lib/postgresql/data]\n    healthcheck:\n      test: pg_isready\n      interval: 10s\nvolumes:\n  data:\n";
    let imported = import_text(text)
        .map_err(|d| d.iter().map(|d| d.message.clone()).collect::<Vec<_>>())
        .unwrap();
    println!("{}", imported.yaml);
}
