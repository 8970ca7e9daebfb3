"""Writing values out (NumPy, PyTorch, pickle, json, csv, pandas, HDF5): where per-sample outputs
become rows of a file that is read back in order. Never a reason to parse a file, so no markers."""

MARKERS = ()

ROLES = {
    "persist": ["numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "torch.save",
                "pickle.dump", "json.dump", "joblib.dump"],
}

# Methods of data frames, csv writers and HDF5 files (`df.to_csv(...)`, `writer.writerows(...)`).
METHODS = {
    "persist": ["to_csv", "to_json", "to_parquet", "to_pickle", "to_excel", "to_feather", "writerow",
                "writerows", "create_dataset", "create_carray", "create_array"],
}
