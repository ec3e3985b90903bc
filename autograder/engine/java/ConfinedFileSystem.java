package sparkgrade;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/** The shared server's file: file system (fs.file.impl): Hadoop's local one with NioLocalFileSystem's
 *  permissions, every path confined by {@link Confinement} (RawLocalFileSystem turns each path it opens,
 *  lists, creates, renames or deletes into a File through pathToFile). {@link Fc} is the same for
 *  FileContext (fs.AbstractFileSystem.file.impl), which streaming checkpoints use. */
public class ConfinedFileSystem extends LocalFileSystem {
    public ConfinedFileSystem() {
        super(new Raw());
    }

    /** The raw file system under the checksums: every path checked where it becomes a File. */
    public static class Raw extends NioLocalFileSystem.Raw {
        @Override
        public File pathToFile(Path path) {
            File file = super.pathToFile(path);
            Confinement.check(file);
            return file;
        }
    }

    /** FileContext's file: file system over the confined raw one, with checksums like Hadoop's LocalFs. */
    public static class Fc extends ChecksumFs {
        public Fc(URI uri, Configuration conf) throws IOException, URISyntaxException {
            super(new RawFc(uri, conf));
        }
    }

    static class RawFc extends DelegateToFileSystem {
        RawFc(URI uri, Configuration conf) throws IOException, URISyntaxException {
            super(uri, new Raw(), conf, "file", false);
        }

        @Override
        public int getUriDefaultPort() {
            return -1;
        }

        @Override
        @Deprecated
        public FsServerDefaults getServerDefaults() throws IOException {
            return fsImpl.getServerDefaults(new Path("/"));
        }
    }
}
