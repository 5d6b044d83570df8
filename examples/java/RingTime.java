// The ring-time pop-up and complaint classification from Java, calling
// libcustinsight through JNA (Debian: libjna-java). Run with
// examples/java/run.sh.

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public final class RingTime {
    /** The functions of custinsight.h this program uses; size_t is a Java long (64-bit platforms). */
    public interface CustInsight extends Library {
        CustInsight LIB = Native.load("custinsight", CustInsight.class);

        int CUSTINSIGHT_STATUS_OK = 0;

        Pointer custinsight_version();
        int custinsight_abi_version();
        Pointer custinsight_status_name(int status);
        int custinsight_last_error_message(byte[] buffer, long bufferLen, LongByReference written);
        void custinsight_string_free(Pointer string);

        int custinsight_engine_new(PointerByReference engineOut);
        void custinsight_engine_free(Pointer engine);
        int custinsight_engine_classify(Pointer engine, byte[] text, long textLen, Classification out);
        int custinsight_engine_classify_json(Pointer engine, byte[] text, long textLen,
                                             PointerByReference out, LongByReference outLen);
        int custinsight_engine_pop_up_json(Pointer engine, byte[] profile, long profileLen, long nowUnixSeconds,
                                           PointerByReference out, LongByReference outLen);
    }

    /** custinsight_classification; its two strings belong to the engine. */
    @Structure.FieldOrder({"category", "work_group", "category_index", "confidence", "severity", "band",
                           "signals", "uncertain"})
    public static class Classification extends Structure {
        public Pointer category;
        public Pointer work_group;
        public int category_index;
        public float confidence;
        public int severity;
        public int band;
        public int signals;
        public byte uncertain;
    }

    /** Thrown for a failing status, with the library's message. */
    static final class CustInsightException extends RuntimeException {
        CustInsightException(int status) {
            super(CustInsight.LIB.custinsight_status_name(status).getString(0) + ": " + lastError());
        }

        private static String lastError() {
            byte[] buffer = new byte[4096];
            LongByReference written = new LongByReference();
            if (CustInsight.LIB.custinsight_last_error_message(buffer, buffer.length, written) != 0) {
                return "(message too long)";
            }
            return new String(buffer, 0, (int) written.getValue(), StandardCharsets.UTF_8);
        }
    }

    static void check(int status) {
        if (status != CustInsight.CUSTINSIGHT_STATUS_OK) {
            throw new CustInsightException(status);
        }
    }

    /** Takes a string the library returned, copying it and freeing the original. */
    static String take(PointerByReference out, LongByReference len) {
        Pointer p = out.getValue();
        try {
            return new String(p.getByteArray(0, (int) len.getValue()), StandardCharsets.UTF_8);
        } finally {
            CustInsight.LIB.custinsight_string_free(p);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RingTime PROFILE.json \"complaint text\"");
            System.exit(2);
        }
        CustInsight lib = CustInsight.LIB;
        System.out.println("libcustinsight " + lib.custinsight_version().getString(0)
                + " (ABI " + lib.custinsight_abi_version() + ")");
        byte[] profile = Files.readAllBytes(Path.of(args[0]));
        byte[] text = args[1].getBytes(StandardCharsets.UTF_8);
        String pinned = System.getenv("CUSTINSIGHT_NOW");
        long now = pinned != null ? Long.parseLong(pinned) : System.currentTimeMillis() / 1000;

        PointerByReference engineRef = new PointerByReference();
        check(lib.custinsight_engine_new(engineRef));
        Pointer engine = engineRef.getValue();
        try {
            PointerByReference out = new PointerByReference();
            LongByReference len = new LongByReference();
            check(lib.custinsight_engine_pop_up_json(engine, profile, profile.length, now, out, len));
            System.out.println("pop-up: " + take(out, len));

            Classification answer = new Classification();
            check(lib.custinsight_engine_classify(engine, text, text.length, answer));
            System.out.printf("complaint -> %s (%s), confidence %.2f, severity %d, signals 0x%x%n",
                    answer.category.getString(0), answer.work_group.getString(0), answer.confidence,
                    answer.severity, answer.signals);

            check(lib.custinsight_engine_classify_json(engine, text, text.length, out, len));
            System.out.println("classification: " + take(out, len));

            byte[] typo = "{\"acount\": {}}".getBytes(StandardCharsets.UTF_8);
            try {
                check(lib.custinsight_engine_pop_up_json(engine, typo, typo.length, now, out, len));
            } catch (CustInsightException expected) {
                System.out.println("error as expected: " + expected.getMessage());
            }
        } finally {
            lib.custinsight_engine_free(engine);
        }
    }
}
