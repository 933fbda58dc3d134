namespace Estimo.Storage;
internal static class StorageAssembly;
