// Generated from onnx-subset.proto by scripts/make-onnx-descriptor.mjs; do not edit.
import type { INamespace } from 'protobufjs';

export const onnxDescriptor = {
 "nested": {
  "onnx": {
   "nested": {
    "AttributeProto": {
     "edition": "proto2",
     "fields": {
      "name": {
       "type": "string",
       "id": 1
      },
      "f": {
       "type": "float",
       "id": 2
      },
      "i": {
       "type": "int64",
       "id": 3
      },
      "s": {
       "type": "bytes",
       "id": 4
      },
      "t": {
       "type": "TensorProto",
       "id": 5
      },
      "floats": {
       "rule": "repeated",
       "type": "float",
       "id": 7
      },
      "ints": {
       "rule": "repeated",
       "type": "int64",
       "id": 8
      },
      "strings": {
       "rule": "repeated",
       "type": "bytes",
       "id": 9
      },
      "type": {
       "type": "AttributeType",
       "id": 20
      }
     },
     "nested": {
      "AttributeType": {
       "values": {
        "UNDEFINED": 0,
        "FLOAT": 1,
        "INT": 2,
        "STRING": 3,
        "TENSOR": 4,
        "GRAPH": 5,
        "FLOATS": 6,
        "INTS": 7,
        "STRINGS": 8,
        "TENSORS": 9,
        "GRAPHS": 10,
        "SPARSE_TENSOR": 11,
        "SPARSE_TENSORS": 12,
        "TYPE_PROTO": 13,
        "TYPE_PROTOS": 14
       }
      }
     }
    },
    "ValueInfoProto": {
     "edition": "proto2",
     "fields": {
      "name": {
       "type": "string",
       "id": 1
      },
      "type": {
       "type": "TypeProto",
       "id": 2
      }
     }
    },
    "NodeProto": {
     "edition": "proto2",
     "fields": {
      "input": {
       "rule": "repeated",
       "type": "string",
       "id": 1
      },
      "output": {
       "rule": "repeated",
       "type": "string",
       "id": 2
      },
      "name": {
       "type": "string",
       "id": 3
      },
      "opType": {
       "type": "string",
       "id": 4,
       "protoName": "op_type"
      },
      "attribute": {
       "rule": "repeated",
       "type": "AttributeProto",
       "id": 5
      },
      "domain": {
       "type": "string",
       "id": 7
      }
     }
    },
    "ModelProto": {
     "edition": "proto2",
     "fields": {
      "irVersion": {
       "type": "int64",
       "id": 1,
       "protoName": "ir_version"
      },
      "producerName": {
       "type": "string",
       "id": 2,
       "protoName": "producer_name"
      },
      "producerVersion": {
       "type": "string",
       "id": 3,
       "protoName": "producer_version"
      },
      "domain": {
       "type": "string",
       "id": 4
      },
      "modelVersion": {
       "type": "int64",
       "id": 5,
       "protoName": "model_version"
      },
      "docString": {
       "type": "string",
       "id": 6,
       "protoName": "doc_string"
      },
      "graph": {
       "type": "GraphProto",
       "id": 7
      },
      "opsetImport": {
       "rule": "repeated",
       "type": "OperatorSetIdProto",
       "id": 8,
       "protoName": "opset_import"
      },
      "metadataProps": {
       "rule": "repeated",
       "type": "StringStringEntryProto",
       "id": 14,
       "protoName": "metadata_props"
      }
     }
    },
    "StringStringEntryProto": {
     "edition": "proto2",
     "fields": {
      "key": {
       "type": "string",
       "id": 1
      },
      "value": {
       "type": "string",
       "id": 2
      }
     }
    },
    "GraphProto": {
     "edition": "proto2",
     "fields": {
      "node": {
       "rule": "repeated",
       "type": "NodeProto",
       "id": 1
      },
      "name": {
       "type": "string",
       "id": 2
      },
      "initializer": {
       "rule": "repeated",
       "type": "TensorProto",
       "id": 5
      },
      "input": {
       "rule": "repeated",
       "type": "ValueInfoProto",
       "id": 11
      },
      "output": {
       "rule": "repeated",
       "type": "ValueInfoProto",
       "id": 12
      },
      "valueInfo": {
       "rule": "repeated",
       "type": "ValueInfoProto",
       "id": 13,
       "protoName": "value_info"
      }
     }
    },
    "TensorProto": {
     "edition": "proto2",
     "fields": {
      "dims": {
       "rule": "repeated",
       "type": "int64",
       "id": 1
      },
      "dataType": {
       "type": "int32",
       "id": 2,
       "protoName": "data_type"
      },
      "floatData": {
       "rule": "repeated",
       "type": "float",
       "id": 4,
       "protoName": "float_data",
       "options": {
        "packed": true
       }
      },
      "int32Data": {
       "rule": "repeated",
       "type": "int32",
       "id": 5,
       "protoName": "int32_data",
       "options": {
        "packed": true
       }
      },
      "int64Data": {
       "rule": "repeated",
       "type": "int64",
       "id": 7,
       "protoName": "int64_data",
       "options": {
        "packed": true
       }
      },
      "name": {
       "type": "string",
       "id": 8
      },
      "rawData": {
       "type": "bytes",
       "id": 9,
       "protoName": "raw_data"
      },
      "doubleData": {
       "rule": "repeated",
       "type": "double",
       "id": 10,
       "protoName": "double_data",
       "options": {
        "packed": true
       }
      },
      "externalData": {
       "rule": "repeated",
       "type": "StringStringEntryProto",
       "id": 13,
       "protoName": "external_data"
      },
      "dataLocation": {
       "type": "DataLocation",
       "id": 14,
       "protoName": "data_location"
      }
     },
     "nested": {
      "DataType": {
       "values": {
        "UNDEFINED": 0,
        "FLOAT": 1,
        "UINT8": 2,
        "INT8": 3,
        "UINT16": 4,
        "INT16": 5,
        "INT32": 6,
        "INT64": 7,
        "STRING": 8,
        "BOOL": 9,
        "FLOAT16": 10,
        "DOUBLE": 11,
        "UINT32": 12,
        "UINT64": 13,
        "COMPLEX64": 14,
        "COMPLEX128": 15,
        "BFLOAT16": 16
       }
      },
      "DataLocation": {
       "values": {
        "DEFAULT": 0,
        "EXTERNAL": 1
       }
      }
     }
    },
    "TensorShapeProto": {
     "edition": "proto2",
     "fields": {
      "dim": {
       "rule": "repeated",
       "type": "Dimension",
       "id": 1
      }
     },
     "nested": {
      "Dimension": {
       "oneofs": {
        "value": {
         "oneof": [
          "dimValue",
          "dimParam"
         ]
        }
       },
       "fields": {
        "dimValue": {
         "type": "int64",
         "id": 1,
         "protoName": "dim_value"
        },
        "dimParam": {
         "type": "string",
         "id": 2,
         "protoName": "dim_param"
        }
       }
      }
     }
    },
    "TypeProto": {
     "edition": "proto2",
     "oneofs": {
      "value": {
       "oneof": [
        "tensorType"
       ]
      }
     },
     "fields": {
      "tensorType": {
       "type": "Tensor",
       "id": 1,
       "protoName": "tensor_type"
      }
     },
     "nested": {
      "Tensor": {
       "fields": {
        "elemType": {
         "type": "int32",
         "id": 1,
         "protoName": "elem_type"
        },
        "shape": {
         "type": "TensorShapeProto",
         "id": 2
        }
       }
      }
     }
    },
    "OperatorSetIdProto": {
     "edition": "proto2",
     "fields": {
      "domain": {
       "type": "string",
       "id": 1
      },
      "version": {
       "type": "int64",
       "id": 2
      }
     }
    }
   }
  }
 }
} as INamespace;
