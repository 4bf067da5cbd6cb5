//! The FTP session as a [`FileSystem`]: what the panes and the file operations use.

use super::*;

impl FileSystem for FtpSession {
    async fn list(&mut self, path: &str) -> Result<Listing, FsError> {
        let path = if path.is_empty() {
            self.cwd.clone()
        } else {
            path.to_string()
        };
        let canonical = if path == self.cwd {
            path
        } else {
            self.cwd_to(&path).await?
        };
        let entries = self.list_cwd().await?;
        Ok(Listing {
            path: canonical,
            entries,
        })
    }

    fn parent(&self, path: &str) -> String {
        remote_parent(path)
    }

    fn join(&self, dir: &str, name: &str) -> Result<String, FsError> {
        validate_name(name)?;
        Ok(remote_join(dir, name))
    }

    async fn mkdir(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        self.settle().await?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "MKD", async {
                ftp.mkdir(path).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    async fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        Self::remote_path_checked(from)?;
        Self::remote_path_checked(to)?;
        self.settle().await?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "RNFR/RNTO", async {
                ftp.rename(from, to).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    async fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        self.settle().await?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "DELE", async {
                ftp.rm(path).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    async fn remove_dir(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        self.settle().await?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "RMD", async {
                ftp.rmdir(path).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    /// An empty upload, after checking with `SIZE` (or the listing of the directory, when the
    /// server lacks `SIZE`) that nothing by that name exists.
    async fn create_file(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        let exists = if self.has_feature("SIZE") {
            self.size(path).await?.is_some()
        } else {
            let (dir, name) = (remote_parent(path), path.rsplit('/').next().unwrap_or(path));
            let listing = FileSystem::list(self, &dir).await?;
            listing.entries.iter().any(|e| e.name == name)
        };
        if exists {
            return Err(FsError::Exists(path.to_string()));
        }
        let stream = self.stor(path, 0, false).await?;
        self.finish(stream).await?;
        Ok(())
    }

    async fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        self.quote(&format!("SITE CHMOD {mode:03o} {path}"), &[200])
            .await?;
        Ok(())
    }
}
