import DeployCore
import Foundation
import SlipwayApp
import Testing

@Suite("Diagnosis report in the thread log")
struct DiagnosisReportTests {
    @Test("pods, container states and Warning events are listed, and cluster text is escaped")
    func listsAndEscapes() throws {
        let pod = try JSONDecoder().decode(
            K8s.Pod.self,
            from: Data(
                #"""
                {"metadata":{"name":"shop-7d9-abc"},"status":{"phase":"Running","containerStatuses":[
                  {"name":"app","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff",
                   "message":"back-off <!channel> restarting"}},
                   "lastState":{"terminated":{"reason":"Error","exitCode":1}}}]}}
                """#.utf8))
        let event = try JSONDecoder().decode(
            K8s.Event.self,
            from: Data(
                #"{"type":"Warning","reason":"BackOff","message":"Back-off <@U1> & more","count":4,"involvedObject":{"kind":"Pod","name":"shop-7d9-abc"}}"#
                    .utf8))
        let text = DiagnosisReport.text(ClusterEvidence(pods: [pod], events: [event]))
        #expect(text.contains("`shop-7d9-abc` Running"))
        #expect(text.contains("`app` restarts 3, waiting: CrashLoopBackOff back-off &lt;!channel&gt; restarting"))
        #expect(text.contains("terminated: Error exit 1"))
        #expect(text.contains("Pod/shop-7d9-abc BackOff ×4: Back-off &lt;@U1&gt; &amp; more"))
        #expect(!text.contains("<!channel>") && !text.contains("<@U1>"))
    }
}
